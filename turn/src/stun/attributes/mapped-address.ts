// MAPPED-ADDRESS, RFC 8489 §14.1: kept for RFC 3489 clients; this server answers Binding with
// XOR-MAPPED-ADDRESS and decodes this one only for completeness of the codec.
import type { AttributeCodec } from '../attribute';
import { Attr } from '../constants';
import { decodeAddress, encodeAddress, type TransportAddress } from './address';

export const MappedAddress: AttributeCodec<TransportAddress> = {
  type: Attr.MappedAddress,
  name: 'MAPPED-ADDRESS',
  encode: (value) => encodeAddress(value),
  decode: (value) => decodeAddress(value),
};
