// DONT-FRAGMENT, RFC 8656 §14.9: no value. Node's dgram cannot set the DF bit per datagram, so the
// server treats it as an unknown comprehension-required attribute as §7.2 requires (420).
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const DontFragment: AttributeCodec<true> = {
  type: Attr.DontFragment,
  name: 'DONT-FRAGMENT',
  encode: () => Buffer.alloc(0),
  decode: (value) => (value.length === 0 ? true : undefined),
};
