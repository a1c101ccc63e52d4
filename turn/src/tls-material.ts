// Certificate for TURN over TLS when running alone: the configured PEM files, else a self-signed
// pair generated once and kept in the data directory (DESIGN.md "Configuration").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function loadOrCreateTls(opts: {
  certFile?: string;
  keyFile?: string;
  dataDir: string;
  commonName: string;
}): Promise<TlsMaterial> {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new Error('RC_TLS_CERT and RC_TLS_KEY must be set together');
    return { cert: readFileSync(opts.certFile, 'utf8'), key: readFileSync(opts.keyFile, 'utf8') };
  }
  const certPath = join(opts.dataDir, 'turn-tls-cert.pem');
  const keyPath = join(opts.dataDir, 'turn-tls-key.pem');
  if (existsSync(certPath) && existsSync(keyPath))
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  const pems = await generate([{ name: 'commonName', value: opts.commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
  });
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private };
}
