// Shape shared by every attribute codec in ./attributes: one file per attribute, each naming the RFC
// section it implements (pion/turn's layout). decode returns undefined for a malformed value instead
// of throwing, so a bad attribute becomes a 400 and never an exception in the server loop.

export interface AttributeCodec<T> {
  readonly type: number;
  readonly name: string;
  encode(value: T, transactionId: Buffer): Buffer;
  decode(value: Buffer, transactionId: Buffer): T | undefined;
}

/** RFC 8489 §14: attribute values are padded to a multiple of four bytes. */
export function padded(length: number): number {
  return (length + 3) & ~3;
}
