// Wire constants of STUN (RFC 8489) and TURN (RFC 8656). Numbers come from the IANA registries the
// RFCs establish (RFC 8489 §18, RFC 8656 §18).

/** RFC 8489 §5: fixed value in bytes 4..7 of every STUN message. */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH = 20;
export const TRANSACTION_ID_LENGTH = 12;

export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;
export type MethodName = keyof typeof Method;

/** RFC 8489 §5: the two class bits C1 C0, spread over bits 8 and 4 of the message type. */
export const MessageClass = {
  Request: 0b00,
  Indication: 0b01,
  SuccessResponse: 0b10,
  ErrorResponse: 0b11,
} as const;
export type MessageClass = (typeof MessageClass)[keyof typeof MessageClass];

export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
} as const;

/** RFC 8489 §14: attribute types 0x0000-0x7FFF are comprehension-required. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/**
 * Channel numbers accepted in ChannelBind. RFC 8656 §12 tells clients to use 0x4000-0x4FFF, but
 * RFC 5766 §11 allowed 0x4000-0x7FFF and RFC 5766 clients (coturn's turnutils_uclient among them)
 * still pick numbers up to 0x7FFF; coturn and pion accept that range, and so do we. Every number in
 * it keeps the top bits 01, so ChannelData stays distinguishable from STUN (RFC 8656 §12.4).
 */
export const CHANNEL_MIN = 0x4000;
export const CHANNEL_MAX = 0x7fff;

/** RFC 8656 §14.7: REQUESTED-TRANSPORT protocol number for UDP, the only relay transport here. */
export const TRANSPORT_UDP = 17;

/** RFC 8489 §14.1 address families, reused by REQUESTED-ADDRESS-FAMILY (RFC 8656 §14.8). */
export const Family = { IPv4: 0x01, IPv6: 0x02 } as const;
export type FamilyName = 'IPv4' | 'IPv6';

export function encodeMessageType(method: number, cls: MessageClass): number {
  // RFC 8489 §5 figure 3: M11..M7 | C1 | M6..M4 | C0 | M3..M0
  return (
    ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((cls & 0b10) << 7) | ((cls & 0b01) << 4)
  );
}

export function decodeMessageType(type: number): { method: number; cls: MessageClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const cls = (((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)) as MessageClass;
  return { method, cls };
}
