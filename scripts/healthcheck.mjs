#!/usr/bin/env node
// Container health check: GET /healthz on the relay in this container, exit 0 when it answers 200.
// Reads the relay's own configuration (RC_PORT, RC_HOST, RC_TLS, RC_TLS_CERT, RC_DATA_DIR,
// RC_PUBLIC_HOST) and verifies TLS for real instead of turning verification off:
// - self-signed (no RC_TLS_CERT): the generated certificate in the data dir is the only trust
//   anchor, checked against the name "localhost" it was made for;
// - RC_TLS_CERT: the system roots plus the configured chain, checked against RC_PUBLIC_HOST (or the
//   certificate's first DNS name), while the connection itself goes to the local listener.
// Plain Node, no dependencies: it starts in ~50 ms and runs every 30 s.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

const env = process.env;
const TIMEOUT_MS = Number(env.RC_HEALTHCHECK_TIMEOUT_MS ?? 4000);

function fail(message) {
  console.error(`unhealthy: ${message}`);
  process.exit(1);
}

function localHost() {
  const h = env.RC_HOST ?? '0.0.0.0';
  if (h === '0.0.0.0') return '127.0.0.1';
  if (h === '::') return '::1';
  return h;
}

/** The PEM blocks of a chain file. */
function certsIn(pem) {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function tlsOptions() {
  if (env.RC_TLS_CERT) {
    const chain = certsIn(readFileSync(env.RC_TLS_CERT, 'utf8'));
    if (chain.length === 0) fail(`${env.RC_TLS_CERT} holds no PEM certificate`);
    const dnsName = new X509Certificate(chain[0]).subjectAltName
      ?.split(', ')
      .find((n) => n.startsWith('DNS:'))
      ?.slice(4);
    const servername = env.RC_PUBLIC_HOST || dnsName;
    if (!servername) fail('set RC_PUBLIC_HOST: the certificate has no DNS name to check');
    return { ca: [...rootCertificates, ...chain], servername };
  }
  const certPath = join(env.RC_DATA_DIR ?? './data', 'tls', 'cert.pem');
  let cert;
  try {
    cert = readFileSync(certPath, 'utf8');
  } catch (err) {
    fail(`cannot read ${certPath} (${err.code ?? err.message}); has the relay started once?`);
  }
  return { ca: cert, servername: 'localhost' };
}

const tlsOn = !['off', 'false', '0', 'no'].includes((env.RC_TLS ?? 'on').trim().toLowerCase());
const port = Number(env.RC_PORT ?? 8443);
const options = {
  host: localHost(),
  port,
  path: '/healthz',
  method: 'GET',
  agent: false,
  timeout: TIMEOUT_MS,
  ...(tlsOn ? tlsOptions() : {}),
};
const req = (tlsOn ? https : http).request(options, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d) => {
    body += d;
  });
  res.on('end', () => {
    if (res.statusCode === 200) process.exit(0);
    fail(`/healthz answered ${res.statusCode}: ${body.slice(0, 200)}`);
  });
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
req.on('error', (err) => fail(`${tlsOn ? 'https' : 'http'}://${options.host}:${port}/healthz: ${err.message}`));
req.end();
