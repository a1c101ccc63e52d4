// SOFTWARE, RFC 8489 §14.14: comprehension-optional description of the agent, at most 763 bytes.
import { Attr } from '../constants';
import { textCodec } from './text';

export const Software = textCodec(Attr.Software, 'SOFTWARE', 763);
