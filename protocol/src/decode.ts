// Decoding of signalling frames: JSON → dispatch on `type` → that message's validator. Dispatching
// first gives errors that name the field at fault instead of a union's noise. This module has no
// runtime dependency on TypeBox: Node compiles the validators at first use (codec.ts), the browser
// console ships them compiled ahead of time (scripts/build-console.mjs), so its page does not load
// a schema compiler.
import type { Static } from 'typebox';
import type { ErrorCode } from './errors';
import type { MessageMap } from './message';

export type MessageOf<M extends MessageMap> = { [K in keyof M]: Static<M[K]> }[keyof M];

export type DecodeResult<T> =
  | { ok: true; msg: T }
  | { ok: false; code: ErrorCode; message: string; ref?: string | undefined };

export type Decoder<T> = (raw: string | Buffer) => DecodeResult<T>;

export interface Validator {
  check(value: unknown): boolean;
  /** Where and why `value` fails, e.g. "/sessionId must be string"; absent when only `check` is known. */
  explain?(value: unknown): string;
}

/** A decoder for the message types `validatorOf` knows (undefined = unknown type). */
export function decoderOf<T>(validatorOf: (type: string) => Validator | undefined): Decoder<T> {
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
    const validator = validatorOf(type);
    if (!validator) {
      return { ok: false, code: 'unknown_type', message: `unknown message type '${type.slice(0, 64)}'`, ref };
    }
    if (!validator.check(value)) {
      const why = validator.explain?.(value) ?? 'a field is missing, has the wrong type or is out of range';
      return { ok: false, code: 'invalid_fields', message: `${type}: ${why}`, ref };
    }
    return { ok: true, msg: value as T };
  };
}
