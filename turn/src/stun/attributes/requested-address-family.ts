// REQUESTED-ADDRESS-FAMILY, RFC 8656 §14.8: family byte (0x01 IPv4, 0x02 IPv6) then 24 bits RFFU.
// Unknown family bytes decode to a number so the server can answer 440 rather than 400 (§7.2).
import type { AttributeCodec } from '../attribute';
import { Attr, Family, type FamilyName } from '../constants';

export const RequestedAddressFamily: AttributeCodec<FamilyName | number> = {
  type: Attr.RequestedAddressFamily,
  name: 'REQUESTED-ADDRESS-FAMILY',
  encode: (family) => {
    const out = Buffer.alloc(4);
    out[0] = typeof family === 'number' ? family : Family[family];
    return out;
  },
  decode: (value) => {
    if (value.length !== 4) return undefined;
    const family = value[0]!;
    return family === Family.IPv4 ? 'IPv4' : family === Family.IPv6 ? 'IPv6' : family;
  },
};
