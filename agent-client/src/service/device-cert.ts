// The device's own TLS pair for LAN mode; consoles pin its fingerprint from the LAN ticket.
import { createHash, X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';

export interface DeviceCert {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the certificate DER, hex: what the relay hands consoles to pin. */
  fingerprint: string;
}

export function fingerprintOfPem(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

export async function generateDeviceCert(hostname: string): Promise<DeviceCert> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostname.slice(0, 64) }], {
    // P-256: small and fast handshakes; consoles pin the fingerprint, so no CA is involved.
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 10 * 365 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private, fingerprint: fingerprintOfPem(pems.cert) };
}
