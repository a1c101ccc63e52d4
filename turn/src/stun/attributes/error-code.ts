// ERROR-CODE, RFC 8489 §14.8: 21 zero bits, class (hundreds), number (0-99), UTF-8 reason phrase.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export interface ErrorCodeValue {
  code: number;
  reason: string;
}

export const ErrorCodeAttr: AttributeCodec<ErrorCodeValue> = {
  type: Attr.ErrorCode,
  name: 'ERROR-CODE',
  encode: ({ code, reason }) => {
    const text = Buffer.from(reason, 'utf8');
    const out = Buffer.alloc(4 + text.length);
    out[2] = Math.floor(code / 100) & 0x07;
    out[3] = code % 100;
    text.copy(out, 4);
    return out;
  },
  decode: (value) => {
    if (value.length < 4 || value.length > 4 + 763) return undefined;
    const cls = value[2]! & 0x07;
    const number = value[3]!;
    // §14.8: class 3..6, number 0..99.
    if (cls < 3 || cls > 6 || number > 99) return undefined;
    return { code: cls * 100 + number, reason: value.subarray(4).toString('utf8') };
  },
};
