// Building blocks for signalling messages: every message is an object with a literal `type` and an `id`.
import Type, { type TObject, type TProperties } from 'typebox';
import { Id } from './common';

export function message<K extends string, P extends TProperties>(type: K, fields: P) {
  return Type.Object({ type: Type.Literal(type), id: Id, ...fields }, { additionalProperties: false });
}

/** A map from message type to its schema: the unit the decoder dispatches on. */
export type MessageMap = Record<string, TObject>;
