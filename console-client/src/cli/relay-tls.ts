// Trust in the relay's certificate, as the agent does it at enrollment: a CA-signed relay is
// verified as usual; a self-signed one is pinned at login and from then on must present exactly
// that certificate (a different one is refused with the `tls_pin` exit code).
import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
import { CliError } from './errors';

export interface RelayPin {
  serverFingerprint?: string | undefined;
  serverCertPem?: string | undefined;
}

export const sha256Hex = (der: Buffer) => createHash('sha256').update(der).digest('hex');

export const PIN_MISMATCH = 'ERR_RC_PIN_MISMATCH';

/** TLS options for every request to the relay. */
export function relayTlsOptions(pin: RelayPin): tls.ConnectionOptions {
  const { serverFingerprint, serverCertPem } = pin;
  if (!serverFingerprint || !serverCertPem) return {};
  return {
    // The pinned certificate is the only trust anchor; the pin replaces the host-name check, since a
    // self-signed relay is often reached by an address its certificate does not name.
    ca: serverCertPem,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      if (sha256Hex(cert.raw) === serverFingerprint) return undefined;
      return Object.assign(new Error('relay certificate does not match the pinned one'), { code: PIN_MISMATCH });
    },
  };
}

/** Connects once to see the relay's certificate; returns it to pin when no system CA vouches for it. */
export function probeRelayCertificate(url: URL, expectFingerprint?: string): Promise<RelayPin> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setTimeout(10_000, () => socket.destroy(new CliError('timeout', `no TLS answer from ${url.host} in 10 s`)));
    socket.once('error', (err) =>
      reject(err instanceof CliError ? err : new CliError('unreachable', `cannot reach ${url.host}: ${err.message}`)),
    );
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(false);
      const authorized = socket.authorized;
      socket.end();
      if (!cert?.raw) return reject(new CliError('tls_pin', `${url.host} presented no certificate`));
      const fingerprint = sha256Hex(cert.raw);
      const expected = expectFingerprint?.toLowerCase().replace(/:/g, '');
      if (expected && expected !== fingerprint) {
        return reject(
          new CliError('tls_pin', `the relay's certificate ${fingerprint} is not the expected ${expected}`),
        );
      }
      if (authorized && !expected) return resolve({});
      resolve({ serverFingerprint: fingerprint, serverCertPem: new X509Certificate(cert.raw).toString() });
    });
  });
}
