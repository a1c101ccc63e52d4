// The agent's one config file: where the relay is, the device credential, the device TLS pair and
// local settings. It holds secrets, so it is written atomically with mode 0600 and refused when
// other users can read it.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConsentPolicy, LAN_PORTS, MAX_CLIPBOARD_BYTES } from '@rc-relay/protocol';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const SyntheticBackendConfig = Type.Object({
  kind: Type.Literal('synthetic'),
  width: Type.Integer({ minimum: 64, maximum: 7680, default: 1280 }),
  height: Type.Integer({ minimum: 64, maximum: 4320, default: 720 }),
  /** How the synthetic "device user" answers a consent prompt: no answer lets the timeout run out. */
  consentAnswer: Type.Union([Type.Literal('accept'), Type.Literal('deny'), Type.Literal('none')], {
    default: 'accept',
  }),
  consentDelayMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
});
export type SyntheticBackendConfig = Static<typeof SyntheticBackendConfig>;

/** The real desktop of an X display (contract 1): `display` like ":0"; absent = the active session, else $DISPLAY. */
export const X11BackendConfig = Type.Object({
  kind: Type.Literal('x11'),
  display: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._/-]*:[0-9]+(\\.[0-9]+)?$' })),
  /** Only these local displays (":0", ":1") are offered as user sessions; absent: every X display found. */
  displays: Type.Optional(Type.Array(Type.String({ pattern: '^:[0-9]+$' }), { minItems: 1, maxItems: 64 })),
  clipboard: Type.Object(
    {
      /** Largest clipboard content taken or given, in bytes (at most one frame). */
      maxBytes: Type.Integer({ minimum: 0, maximum: MAX_CLIPBOARD_BYTES, default: MAX_CLIPBOARD_BYTES }),
      /** Which way clipboard content may flow: console → device, device → console, both or none. */
      direction: Type.Union(
        [Type.Literal('both'), Type.Literal('to-device'), Type.Literal('from-device'), Type.Literal('none')],
        { default: 'both' },
      ),
    },
    { default: {} },
  ),
});
export type X11BackendConfig = Static<typeof X11BackendConfig>;

export const AgentConfig = Type.Object({
  server: Type.String({ pattern: '^https://' }),
  /** SHA-256 (hex, of DER) of the relay's self-signed certificate pinned at enrollment; absent when CA-trusted. */
  serverFingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  /** The pinned certificate itself: Node only runs the pin check after the chain verifies against it. */
  serverCertPem: Type.Optional(Type.String()),
  deviceId: Type.String({ minLength: 1 }),
  deviceToken: Type.String({ minLength: 1 }),
  ticketPublicKey: Type.String({ minLength: 1 }),
  hostname: Type.String({ minLength: 1 }),
  cert: Type.Object({ certPem: Type.String(), keyPem: Type.String(), fingerprint: Type.String() }),
  /** Local override of the group's consent policy. */
  consent: Type.Optional(ConsentPolicy),
  lan: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      bindAddress: Type.String({ default: '0.0.0.0' }),
      /** Addresses to report instead of the interfaces' (NAT, a VPN, or a fixed address for tests). */
      advertise: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9A-Fa-f.:]+$' }), { maxItems: 32 })),
      ports: Type.Object(
        {
          connect: Port,
          screen: Port,
          sessions: Port,
        },
        { default: { ...LAN_PORTS } },
      ),
    },
    { default: {} },
  ),
  /**
   * The desktop shown and controlled: by default the PC's X11 desktop (the active session, else
   * $DISPLAY). `synthetic` is a generated desktop with an in-memory clipboard, for tests and demos.
   */
  backend: Type.Union([SyntheticBackendConfig, X11BackendConfig], { default: { kind: 'x11' } }),
  logLevel: Type.String({ default: 'info' }),
  /**
   * ICE candidates WebRTC may use: `all`, or `relay` to send media only through TURN (a network
   * that must not see direct peer traffic; also how tests force the TURN path).
   */
  iceTransportPolicy: Type.Union([Type.Literal('all'), Type.Literal('relay')], { default: 'all' }),
  /** How often facts (sessions, monitors, addresses) are re-read to send a `report` on change. */
  factsIntervalSeconds: Type.Number({ minimum: 0.05, maximum: 3600, default: 10 }),
});
export type AgentConfig = Static<typeof AgentConfig>;

const check = Compile(AgentConfig);

export class ConfigError extends Error {}

/** Fills defaults and validates; lists every problem at once. */
export function parseConfig(value: unknown): AgentConfig {
  const withDefaults = check.Default(structuredClone(value)) as Record<string, unknown>;
  // Nested defaults (backend, lan.ports) are only applied to present objects; complete them.
  if (withDefaults && typeof withDefaults === 'object') {
    const be = withDefaults.backend as Record<string, unknown> | undefined;
    if (be?.kind === 'synthetic') withDefaults.backend = Compile(SyntheticBackendConfig).Default(be);
    if (be?.kind === 'x11') {
      be.clipboard = Compile(X11BackendConfig.properties.clipboard).Default(be.clipboard ?? {});
      withDefaults.backend = Compile(X11BackendConfig).Default(be);
    }
  }
  if (!check.Check(withDefaults)) {
    const problems = [...check.Errors(withDefaults)].map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ConfigError(`invalid agent config: ${problems.join('; ')}`);
  }
  return withDefaults as AgentConfig;
}

export function loadConfig(path: string): AgentConfig {
  if (!existsSync(path)) throw new ConfigError(`no config at ${path}: run \`rc-agent enroll\` first`);
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(`${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw);
}

export function saveConfig(path: string, cfg: AgentConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
  // The mode of writeFileSync is masked by umask and ignored for an existing file: set it explicitly.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
