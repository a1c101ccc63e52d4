// Error codes this server sends, with the reason phrases of the registries (RFC 8489 §18.3,
// RFC 8656 §18). One place so handlers never invent numbers; error-codes.test.ts checks each is used
// with a documented meaning.
export const ErrorCode = {
  /** RFC 8489 §6.3.1: malformed request, or a request missing an attribute it needs. */
  BadRequest: { code: 400, reason: 'Bad Request' },
  /** RFC 8489 §9.2.4: no or wrong credentials; carries REALM and NONCE. */
  Unauthenticated: { code: 401, reason: 'Unauthenticated' },
  /** RFC 8656 §9/§10: the peer address is refused by policy. */
  Forbidden: { code: 403, reason: 'Forbidden' },
  /** RFC 8489 §6.3.1: comprehension-required attributes not understood; carries UNKNOWN-ATTRIBUTES. */
  UnknownAttribute: { code: 420, reason: 'Unknown Attribute' },
  /** RFC 8656 §7.2/§7.3: request does not fit the allocation state of this 5-tuple. */
  AllocationMismatch: { code: 437, reason: 'Allocation Mismatch' },
  /** RFC 8489 §9.2.4: the nonce expired or was issued to another client; carries a fresh NONCE. */
  StaleNonce: { code: 438, reason: 'Stale Nonce' },
  /** RFC 8656 §7.2: REQUESTED-ADDRESS-FAMILY names a family this server does not relay. */
  AddressFamilyNotSupported: { code: 440, reason: 'Address Family not Supported' },
  /** RFC 8656 §5: request for an allocation made with other credentials. */
  WrongCredentials: { code: 441, reason: 'Wrong Credentials' },
  /** RFC 8656 §7.2: REQUESTED-TRANSPORT other than UDP. */
  UnsupportedTransportProtocol: { code: 442, reason: 'Unsupported Transport Protocol' },
  /** RFC 8656 §9.1/§7.3: peer or refresh family differs from the relayed address family. */
  PeerAddressFamilyMismatch: { code: 443, reason: 'Peer Address Family Mismatch' },
  /** RFC 8656 §7.2: per-user or total allocation quota reached. */
  AllocationQuotaReached: { code: 486, reason: 'Allocation Quota Reached' },
  /** RFC 8489 §6.3.4: a bug or a failure of the host while processing. */
  ServerError: { code: 500, reason: 'Server Error' },
  /** RFC 8656 §7.2: no relay port free, or an unknown RESERVATION-TOKEN. */
  InsufficientCapacity: { code: 508, reason: 'Insufficient Capacity' },
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;
export type StunError = (typeof ErrorCode)[ErrorCodeName];
