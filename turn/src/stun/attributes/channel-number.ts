// CHANNEL-NUMBER, RFC 8656 §14.1: 16-bit channel number then 16 bits RFFU (reserved, zero).
// Range checks (0x4000-0x4FFF) belong to ChannelBind processing (§11.2), not to the codec.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const ChannelNumber: AttributeCodec<number> = {
  type: Attr.ChannelNumber,
  name: 'CHANNEL-NUMBER',
  encode: (channel) => {
    const out = Buffer.alloc(4);
    out.writeUInt16BE(channel, 0);
    return out;
  },
  decode: (value) => (value.length === 4 ? value.readUInt16BE(0) : undefined),
};
