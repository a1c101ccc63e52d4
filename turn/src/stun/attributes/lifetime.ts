// LIFETIME, RFC 8656 §14.2: seconds remaining until the allocation expires, 32-bit unsigned.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const Lifetime: AttributeCodec<number> = {
  type: Attr.Lifetime,
  name: 'LIFETIME',
  encode: (seconds) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(seconds, 0);
    return out;
  },
  decode: (value) => (value.length === 4 ? value.readUInt32BE(0) : undefined),
};
