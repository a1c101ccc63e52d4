// PASSWORD-ALGORITHMS (RFC 8489 §14.11) and PASSWORD-ALGORITHM (§14.12): algorithm number, parameter
// length, parameters (padded). 0x0001 = MD5, 0x0002 = SHA-256 (§18.5).
import type { AttributeCodec } from '../attribute';
import { padded } from '../attribute';
import { Attr } from '../constants';

export const PasswordAlgorithmId = { MD5: 0x0001, SHA256: 0x0002 } as const;

export interface PasswordAlgorithmValue {
  algorithm: number;
  parameters: Buffer;
}

function encodeOne(v: PasswordAlgorithmValue): Buffer {
  const out = Buffer.alloc(4 + padded(v.parameters.length));
  out.writeUInt16BE(v.algorithm, 0);
  out.writeUInt16BE(v.parameters.length, 2);
  v.parameters.copy(out, 4);
  return out;
}

function decodeList(value: Buffer): PasswordAlgorithmValue[] | undefined {
  const list: PasswordAlgorithmValue[] = [];
  let offset = 0;
  while (offset < value.length) {
    if (offset + 4 > value.length) return undefined;
    const length = value.readUInt16BE(offset + 2);
    if (offset + 4 + length > value.length) return undefined;
    list.push({
      algorithm: value.readUInt16BE(offset),
      parameters: Buffer.from(value.subarray(offset + 4, offset + 4 + length)),
    });
    offset += 4 + padded(length);
  }
  return offset === value.length ? list : undefined;
}

export const PasswordAlgorithms: AttributeCodec<PasswordAlgorithmValue[]> = {
  type: Attr.PasswordAlgorithms,
  name: 'PASSWORD-ALGORITHMS',
  encode: (list) => Buffer.concat(list.map(encodeOne)),
  decode: decodeList,
};

export const PasswordAlgorithm: AttributeCodec<PasswordAlgorithmValue> = {
  type: Attr.PasswordAlgorithm,
  name: 'PASSWORD-ALGORITHM',
  encode: encodeOne,
  decode: (value) => {
    const list = decodeList(value);
    return list && list.length === 1 ? list[0] : undefined;
  },
};
