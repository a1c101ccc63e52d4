// USERNAME, RFC 8489 §14.3: UTF-8, fewer than 509 bytes (the RFC's "less than 513" before padding).
import { Attr } from '../constants';
import { textCodec } from './text';

export const Username = textCodec(Attr.Username, 'USERNAME', 508);
