// `rc-agent enroll`: pin the relay, make the device certificate, present the enrollment token once,
// and keep what comes back in the config file.
import https from 'node:https';
import { hostname as osHostname } from 'node:os';
import { type AgentConfig, parseConfig } from '../config';
import { osName } from '../platform';
import { generateDeviceCert } from './device-cert';
import { probeRelayCertificate, relayTlsOptions } from './relay-tls';

export interface EnrollOptions {
  server: string;
  token: string;
  hostname?: string;
  /** Expected relay fingerprint (hex) instead of trusting the first one seen. */
  serverFingerprint?: string;
  /** Settings to keep in the new config (LAN ports, backend, consent override). */
  base?: Partial<AgentConfig>;
}

export class EnrollError extends Error {}

export async function enroll(opts: EnrollOptions): Promise<AgentConfig> {
  let url: URL;
  try {
    url = new URL(opts.server);
  } catch {
    throw new EnrollError(`--server ${opts.server} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new EnrollError('--server must be an https:// URL');
  const server = url.origin;
  const probe = await probeRelayCertificate(url, opts.serverFingerprint);
  const trust = probe.authorized ? {} : { serverFingerprint: probe.fingerprint, serverCertPem: probe.certPem };
  const hostname = opts.hostname ?? osHostname();
  const cert = await generateDeviceCert(hostname);
  const reply = await postJson(`${server}/api/v1/agents/enroll`, relayTlsOptions(trust), {
    enrollmentToken: opts.token,
    hostname,
    os: osName(),
    certFingerprint: cert.fingerprint,
  });
  if (reply.status !== 201) {
    const err = (reply.body as { error?: { code?: string; message?: string } })?.error;
    throw new EnrollError(`enrollment refused (${reply.status} ${err?.code ?? ''}): ${err?.message ?? 'no reason'}`);
  }
  const b = reply.body as { deviceId: string; deviceToken: string; ticketPublicKey: string };
  return parseConfig({
    ...opts.base,
    server,
    ...trust,
    deviceId: b.deviceId,
    deviceToken: b.deviceToken,
    ticketPublicKey: b.ticketPublicKey,
    hostname,
    cert,
  });
}

export function postJson(
  url: string,
  tlsOpts: https.RequestOptions,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 15_000,
        ...tlsOpts,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(parts).toString('utf8'));
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}
