// Decoding of signalling frames: JSON → dispatch on `type` → that message's compiled schema.
// Dispatching first gives errors that name the field at fault instead of a union's noise.
import type { Static, TObject } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ErrorCode } from './errors';
import type { MessageMap } from './message';

export type MessageOf<M extends MessageMap> = { [K in keyof M]: Static<M[K]> }[keyof M];

export type DecodeResult<T> =
  | { ok: true; msg: T }
  | { ok: false; code: ErrorCode; message: string; ref?: string | undefined };

export type Decoder<T> = (raw: string | Buffer) => DecodeResult<T>;

export function createDecoder<M extends MessageMap>(map: M): Decoder<MessageOf<M>> {
  const validators = new Map<string, ReturnType<typeof Compile<TObject>>>();
  for (const [type, schema] of Object.entries(map)) validators.set(type, Compile(schema));

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
    const validator = Object.hasOwn(map, type) ? validators.get(type) : undefined;
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
