// XOR-MAPPED-ADDRESS (RFC 8489 §14.2), XOR-PEER-ADDRESS (RFC 8656 §14.3) and XOR-RELAYED-ADDRESS
// (RFC 8656 §14.5) share one layout: port XOR the cookie's top 16 bits, address XOR the cookie
// (IPv4) or cookie + transaction ID (IPv6).
import type { AttributeCodec } from '../attribute';
import { Attr, MAGIC_COOKIE } from '../constants';
import { decodeAddress, encodeAddress, type TransportAddress } from './address';

function xorMask(transactionId: Buffer): Buffer {
  const mask = Buffer.allocUnsafe(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4, 0, 12);
  return mask;
}

function xorAddressCodec(type: number, name: string): AttributeCodec<TransportAddress> {
  return {
    type,
    name,
    encode: (value, transactionId) => encodeAddress(value, xorMask(transactionId)),
    decode: (value, transactionId) => decodeAddress(value, xorMask(transactionId)),
  };
}

export const XorMappedAddress = xorAddressCodec(Attr.XorMappedAddress, 'XOR-MAPPED-ADDRESS');
export const XorPeerAddress = xorAddressCodec(Attr.XorPeerAddress, 'XOR-PEER-ADDRESS');
export const XorRelayedAddress = xorAddressCodec(Attr.XorRelayedAddress, 'XOR-RELAYED-ADDRESS');
