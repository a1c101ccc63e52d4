// docker-compose.yml as Debian's docker-compose 1.29 reads it (`config` validates and interpolates;
// no engine needed): what it publishes, that the relay would accept the environment it sets, and
// the coturn profile sharing the TURN secret.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_SCHEMA, loadConfig } from '@rc-relay/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTool } from '../support/system';

const FILE = join(import.meta.dirname, '..', '..', 'docker-compose.yml');
const noCompose = missingTool('/usr/bin/docker-compose', 'docker-compose');

interface Port {
  published: number;
  target: number;
  protocol: string;
}
interface Service {
  environment: Record<string, string>;
  ports?: Port[];
  volumes?: string[];
  profiles?: string[];
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  cap_add?: string[];
  cap_drop?: string[];
  network_mode?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

let dir: string;
let emptyEnvFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-ops-compose-'));
  // Only the variables a test gives: no .env beside the file, nothing from the developer's shell.
  emptyEnvFile = join(dir, 'empty.env');
  writeFileSync(emptyEnvFile, '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compose(env: Record<string, string>, args: string[] = []) {
  const r = spawnSync('docker-compose', ['--env-file', emptyEnvFile, '-f', FILE, ...args, 'config'], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) return { ok: false as const, error: `${r.stderr}${r.stdout}` };
  // docker-compose depends on PyYAML: reuse it to turn the normalised YAML into JSON.
  const json = spawnSync('python3', ['-c', 'import sys,yaml,json; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: r.stdout,
    encoding: 'utf8',
  });
  if (json.status !== 0) throw new Error(`cannot parse docker-compose output: ${json.stderr}`);
  return { ok: true as const, config: JSON.parse(json.stdout) as Compose };
}

function configured(env: Record<string, string>, args: string[] = []): Compose {
  const r = compose(env, args);
  if (!r.ok) throw new Error(`docker-compose config failed:\n${r.error}`);
  return r.config;
}

const udpRange = (ports: Port[]) => ports.filter((p) => p.protocol === 'udp' && p.target !== 443);

describe.skipIf(noCompose)('docker-compose.yml', () => {
  it('refuses to start without RC_PUBLIC_HOST, saying so', () => {
    const r = compose({});
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain('set RC_PUBLIC_HOST');
  });

  it('relay: 443 over TCP and UDP, the relay range 1:1, a data volume, restart, an env the relay accepts', () => {
    const c = configured({ RC_PUBLIC_HOST: '203.0.113.10' });
    const relay = c.services.relay!;
    expect(relay.profiles).toBeUndefined();
    expect(relay.restart).toBe('unless-stopped');
    const ports = relay.ports!;
    expect(ports).toContainEqual({ published: 443, target: 443, protocol: 'tcp' });
    expect(ports).toContainEqual({ published: 443, target: 443, protocol: 'udp' });

    for (const name of Object.keys(relay.environment)) {
      if (name.startsWith('RC_')) expect(Object.keys(CONFIG_SCHEMA), `${name} is not a relay setting`).toContain(name);
    }
    // The exact environment the container gets parses, and says what the compose file means.
    const cfg = loadConfig(relay.environment);
    expect(cfg.port).toBe(443);
    expect(cfg.publicHost).toBe('203.0.113.10');
    expect(cfg.relayPorts).toEqual([49160, 49200]);
    expect(cfg.turnSecret).toBeNull();
    expect(cfg.adminPassword).toBeNull();
    expect(cfg.turnUrls).toEqual([]);

    const range = udpRange(ports);
    expect(range).toHaveLength(49200 - 49160 + 1);
    for (const p of range) expect(p.published).toBe(p.target);
    expect(range.map((p) => p.target)).toEqual(Array.from({ length: 41 }, (_, i) => 49160 + i));

    expect(relay.volumes).toContain(`rc-data:${cfg.dataDir}:rw`);
    expect(c.volumes).toHaveProperty('rc-data');
    expect(relay.cap_drop).toEqual(['ALL']);
    expect(relay.cap_add).toEqual(['NET_BIND_SERVICE']);
  });

  it('widening RC_RELAY_PORTS widens the published range with it', () => {
    const relay = configured({ RC_PUBLIC_HOST: 'relay.example.com', RC_RELAY_PORTS: '50000-50099' }).services.relay!;
    expect(loadConfig(relay.environment).relayPorts).toEqual([50000, 50099]);
    const range = udpRange(relay.ports!);
    expect(range.map((p) => [p.published, p.target])).toEqual(
      Array.from({ length: 100 }, (_, i) => [50000 + i, 50000 + i]),
    );
  });

  it('profile coturn: coturn with use-auth-secret on the relay’s secret, and the relay hands it out', () => {
    const env = {
      RC_PUBLIC_HOST: '203.0.113.10',
      RC_TURN_SECRET: 'c0turn-and-relay-share-this',
      RC_TURN_URLS: 'turn:203.0.113.10:3478?transport=udp,turn:203.0.113.10:3478?transport=tcp',
    };
    const c = configured(env, ['--profile', 'coturn']);
    const coturn = c.services.coturn!;
    expect(coturn.profiles).toEqual(['coturn']);
    expect(coturn.environment.RC_TURN_SECRET).toBe(c.services.relay!.environment.RC_TURN_SECRET);
    const script = coturn.command!.join('\n');
    expect(script).toContain('--use-auth-secret');
    expect(script).toContain('--static-auth-secret="$$RC_TURN_SECRET"');
    expect(script).toContain('--listening-port=3478');

    const cfg = loadConfig(c.services.relay!.environment);
    expect(cfg.turnSecret).toBe(env.RC_TURN_SECRET);
    expect(cfg.turnUrls).toEqual(env.RC_TURN_URLS.split(','));
  });

  it('the coturn start script is valid sh and refuses to start without the shared secret', () => {
    const coturn = configured({ RC_PUBLIC_HOST: 'x' }, ['--profile', 'coturn']).services.coturn!;
    expect(coturn.entrypoint).toEqual(['/bin/sh', '-c']);
    // Compose turns $$ into $ when it starts the container.
    const script = coturn.command![0]!.replaceAll('$$', '$');
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
    const r = spawnSync('/bin/sh', ['-c', script], {
      env: { PATH: '/nonexistent', RC_TURN_SECRET: '' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('set RC_TURN_SECRET');
  });
});
