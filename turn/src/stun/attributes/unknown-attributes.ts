// UNKNOWN-ATTRIBUTES, RFC 8489 §14.13: list of 16-bit attribute types the server did not understand,
// sent with a 420 response.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const UnknownAttributes: AttributeCodec<number[]> = {
  type: Attr.UnknownAttributes,
  name: 'UNKNOWN-ATTRIBUTES',
  encode: (types) => {
    const out = Buffer.alloc(types.length * 2);
    for (const [i, t] of types.entries()) out.writeUInt16BE(t, i * 2);
    return out;
  },
  decode: (value) => {
    if (value.length % 2 !== 0) return undefined;
    const types: number[] = [];
    for (let i = 0; i < value.length; i += 2) types.push(value.readUInt16BE(i));
    return types;
  },
};
