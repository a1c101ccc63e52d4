// Public surface of the TURN/STUN package: re-exports only.
export { issueRestCredentials } from './auth/credentials';
export { ExternalAddressError, resolveExternalAddresses } from './external-address';
export { createTurnStreamListener, type TurnStreamListenerOptions } from './listener';
export type { Logger } from './log';
export type { TurnOptions } from './options';
export { TurnServer } from './server';
export { autoWorkerCount } from './shard/worker-count';
export type { TurnStats } from './stats';
export { isTlsClientHello, looksLikeStun } from './stun/sniff';
