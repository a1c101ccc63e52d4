// REQUESTED-TRANSPORT, RFC 8656 §14.7: IANA protocol number (17 = UDP) then 24 bits RFFU.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const RequestedTransport: AttributeCodec<number> = {
  type: Attr.RequestedTransport,
  name: 'REQUESTED-TRANSPORT',
  encode: (protocol) => {
    const out = Buffer.alloc(4);
    out[0] = protocol;
    return out;
  },
  decode: (value) => (value.length === 4 ? value[0] : undefined),
};
