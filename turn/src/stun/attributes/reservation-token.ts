// RESERVATION-TOKEN, RFC 8656 §14.10: 8 opaque bytes naming a port reserved by an earlier
// Allocate with EVEN-PORT R=1.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const ReservationToken: AttributeCodec<Buffer> = {
  type: Attr.ReservationToken,
  name: 'RESERVATION-TOKEN',
  encode: (token) => {
    if (token.length !== 8) throw new RangeError('RESERVATION-TOKEN is 8 bytes');
    return token;
  },
  decode: (value) => (value.length === 8 ? Buffer.from(value) : undefined),
};
