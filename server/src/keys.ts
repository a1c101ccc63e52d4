// Key material kept in the data dir: made once on first start, reused after, never logged.
// - secrets.json: the operator-JWT secret and (unless RC_TURN_SECRET is set) the TURN secret
// - ticket-key.pem: the ES256 key that signs session tickets (agents pin its public half)
// - tls/cert.pem + tls/key.pem: the self-signed pair when RC_TLS_CERT/RC_TLS_KEY are not given
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface KeyMaterial {
  operatorJwtSecret: Buffer;
  turnSecret: string;
  ticketPrivateKeyPem: string;
  ticketPublicKeyPem: string;
}

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the leaf certificate's DER, hex: what agents pin for a self-signed relay. */
  fingerprint: string;
  selfSigned: boolean;
}

function writeSecretFile(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
}

export function loadKeyMaterial(dataDir: string, turnSecretFromEnv: string | null): KeyMaterial {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretsPath = join(dataDir, 'secrets.json');
  let secrets: { operatorJwtSecret?: string; turnSecret?: string } = {};
  if (existsSync(secretsPath)) secrets = JSON.parse(readFileSync(secretsPath, 'utf8'));
  let dirty = false;
  if (!secrets.operatorJwtSecret) {
    secrets.operatorJwtSecret = randomBytes(32).toString('base64');
    dirty = true;
  }
  if (!secrets.turnSecret) {
    secrets.turnSecret = randomBytes(32).toString('base64url');
    dirty = true;
  }
  if (dirty) writeSecretFile(secretsPath, JSON.stringify(secrets, null, 2));

  const ticketPath = join(dataDir, 'ticket-key.pem');
  if (!existsSync(ticketPath)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeSecretFile(ticketPath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  }
  const ticketPrivateKeyPem = readFileSync(ticketPath, 'utf8');
  const ticketPublicKeyPem = createPublicKey(ticketPrivateKeyPem).export({ type: 'spki', format: 'pem' }) as string;

  return {
    operatorJwtSecret: Buffer.from(secrets.operatorJwtSecret, 'base64'),
    turnSecret: turnSecretFromEnv ?? secrets.turnSecret,
    ticketPrivateKeyPem,
    ticketPublicKeyPem,
  };
}

export function certFingerprint(certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  return createHash('sha256').update(der).digest('hex');
}

export async function loadTlsMaterial(
  dataDir: string,
  certFile: string | null,
  keyFile: string | null,
  hostnames: string[],
): Promise<TlsMaterial> {
  if (certFile && keyFile) {
    const cert = readFileSync(certFile, 'utf8');
    const key = readFileSync(keyFile, 'utf8');
    return { cert, key, fingerprint: certFingerprint(cert), selfSigned: false };
  }
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = [...new Set(['localhost', ...hostnames])];
    const pems = await selfsigned.generate([{ name: 'commonName', value: names[0]! }], {
      // P-256: small, fast handshakes; every TLS client the relay serves speaks ECDSA.
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 10 * 365 * 86400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })),
            { type: 7 as const, ip: '127.0.0.1' },
            { type: 7 as const, ip: '::1' },
          ],
        },
      ],
    });
    writeSecretFile(keyPath, pems.private);
    writeFileSync(certPath, pems.cert);
  }
  const cert = readFileSync(certPath, 'utf8');
  return { cert, key: readFileSync(keyPath, 'utf8'), fingerprint: certFingerprint(cert), selfSigned: true };
}
