// NONCE, RFC 8489 §14.10: fewer than 128 characters, at most 763 bytes; opaque to the client.
import { Attr } from '../constants';
import { textCodec } from './text';

export const Nonce = textCodec(Attr.Nonce, 'NONCE', 763);
