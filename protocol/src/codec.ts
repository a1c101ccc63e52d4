// Decoding of signalling frames: JSON → dispatch on `type` → that message's compiled schema.
// Dispatching first gives errors that name the field at fault instead of a union's noise.
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ErrorCode } from './errors';
import type { MessageMap } from './message';

export type MessageOf<M extends MessageMap> = { [K in keyof M]: Static<M[K]> }[keyof M];

export type DecodeResult<T> =
  | { ok: true; msg: T }
  | { ok: false; code: ErrorCode; message: string; ref?: string | undefined };

export type Decoder<T> = (raw: string | Buffer) => DecodeResult<T>;

/**
 * A schema compiled on first use. Compiling every validator at import cost the browser console
 * tens of ms before its first paint (`npm run bench:console`, LAN page load); a relay or agent
 * compiles each message type once, on the first message of that type.
 */
export function lazyCompile(schema: TSchema): () => Compiled {
  let compiled: Compiled | undefined;
  return () => {
    compiled ??= Compile(schema);
    return compiled;
  };
}
type Compiled = ReturnType<typeof Compile>;

export function createDecoder<M extends MessageMap>(map: M): Decoder<MessageOf<M>> {
  const validators = new Map<string, () => Compiled>();
  for (const [type, schema] of Object.entries(map)) validators.set(type, lazyCompile(schema));

  return (raw) => {
    let value: unknown;
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    } catch {
      return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, code: 'bad_message', message: 'a message must be a JSON object' };
    }
    const { type, id } = value as { type?: unknown; id?: unknown };
    const ref = typeof id === 'string' && id.length <= 64 ? id : undefined;
    if (typeof type !== 'string') return { ok: false, code: 'bad_message', message: 'missing string `type`', ref };
    const validator = Object.hasOwn(map, type) ? validators.get(type)?.() : undefined;
    if (!validator) {
      return { ok: false, code: 'unknown_type', message: `unknown message type '${type.slice(0, 64)}'`, ref };
    }
    if (!validator.Check(value)) {
      const first = validator.Errors(value)[0];
      const where = first?.instancePath || '/';
      return { ok: false, code: 'invalid_fields', message: `${type}: ${where} ${first?.message ?? 'is invalid'}`, ref };
    }
    return { ok: true, msg: value as MessageOf<M> };
  };
}
