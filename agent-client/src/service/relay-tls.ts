// Trust in the relay's certificate. A CA-signed relay is verified as usual; a self-signed one is
// pinned on first use (enrollment) and from then on must present exactly that certificate.
import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import tls from 'node:tls';

export interface RelayTrust {
  serverFingerprint?: string | undefined;
  serverCertPem?: string | undefined;
}

export const sha256Hex = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** TLS options for every connection to the relay (HTTPS and WebSocket). */
export function relayTlsOptions(trust: RelayTrust): tls.ConnectionOptions {
  const { serverFingerprint, serverCertPem } = trust;
  if (!serverFingerprint || !serverCertPem) return {};
  return {
    // The pinned certificate is the only trust anchor; Node runs checkServerIdentity only after
    // the chain verified against it, and there the pin replaces the host-name check (the relay
    // may be reached by an address its self-signed certificate does not name).
    ca: serverCertPem,
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      sha256Hex(cert.raw) === serverFingerprint
        ? undefined
        : new Error(`relay certificate ${sha256Hex(cert.raw).slice(0, 16)}… does not match the pinned one`),
  };
}

/**
 * Trust on first use: connects once, and if the certificate does not verify against the system CAs,
 * returns it to be pinned. `expectFingerprint` lets an admin pass the fingerprint out of band.
 */
export function probeRelayCertificate(
  url: URL,
  expectFingerprint?: string,
): Promise<{ authorized: boolean; fingerprint: string; certPem: string }> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS probe timed out')));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(false);
      socket.end();
      if (!cert?.raw) return reject(new Error('the relay presented no certificate'));
      const fingerprint = sha256Hex(cert.raw);
      if (expectFingerprint && expectFingerprint.toLowerCase().replace(/:/g, '') !== fingerprint) {
        return reject(new Error(`relay certificate fingerprint ${fingerprint} is not the expected one`));
      }
      const certPem = new X509Certificate(cert.raw).toString();
      resolve({ authorized: socket.authorized, fingerprint, certPem });
    });
  });
}
