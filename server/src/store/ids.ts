import { createHash, randomBytes } from 'node:crypto';

/** A random id with a kind prefix (d_ device, s_ session, o_ operator, g_ group, e_ enrollment token). */
export function newId(prefix: 'd' | 's' | 'o' | 'g' | 'e'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A high-entropy secret for a bearer credential; stored only as its SHA-256. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

// SHA-256 is enough for 256-bit random secrets (no dictionary to attack); passwords use scrypt.
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
