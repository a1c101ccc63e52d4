// UTF-8 string attributes (USERNAME, REALM, NONCE, SOFTWARE) differ only in type and size limit.
import type { AttributeCodec } from '../attribute';

export function textCodec(type: number, name: string, maxBytes: number): AttributeCodec<string> {
  return {
    type,
    name,
    encode: (value) => {
      const out = Buffer.from(value, 'utf8');
      if (out.length > maxBytes) throw new RangeError(`${name} longer than ${maxBytes} bytes`);
      return out;
    },
    decode: (value) => {
      if (value.length > maxBytes) return undefined;
      const text = value.toString('utf8');
      // Reject byte strings that are not valid UTF-8 rather than comparing replacement characters.
      return Buffer.byteLength(text) === value.length ? text : undefined;
    },
  };
}
