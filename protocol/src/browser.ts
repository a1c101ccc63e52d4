// What the browser console's bundle gets for `@rc-relay/protocol` (scripts/build-console.mjs):
// the runtime parts it uses, none of which builds a schema or loads TypeBox. `./decoders`
// and `./frame-checks` resolve there to validators compiled ahead of time from the same schemas.
// Types still come from index.ts: the console's type check sees the whole package.
export * from './constants';
export * from './decode';
export { decodeServerToConsole } from './decoders';
export * from './errors';
export * from './frames';
