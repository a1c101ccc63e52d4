// DATA, RFC 8656 §14.4: the application payload of Send and Data indications, any length.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';

export const DataAttr: AttributeCodec<Buffer> = {
  type: Attr.Data,
  name: 'DATA',
  encode: (data) => data,
  decode: (value) => value,
};
