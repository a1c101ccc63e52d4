// REALM, RFC 8489 §14.9: fewer than 128 characters, at most 763 bytes.
import { Attr } from '../constants';
import { textCodec } from './text';

export const Realm = textCodec(Attr.Realm, 'REALM', 763);
