// EVEN-PORT, RFC 8656 §14.6: one byte whose top bit R asks the server to also reserve port + 1.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export interface EvenPortValue {
  reserveNext: boolean;
}

export const EvenPort: AttributeCodec<EvenPortValue> = {
  type: Attr.EvenPort,
  name: 'EVEN-PORT',
  encode: ({ reserveNext }) => Buffer.from([reserveNext ? 0x80 : 0]),
  decode: (value) => (value.length === 1 ? { reserveNext: (value[0]! & 0x80) !== 0 } : undefined),
};
