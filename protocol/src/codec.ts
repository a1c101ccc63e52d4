// Validators compiled from the schemas at first use, for Node (relay, agent, CLI). The browser
// console gets the same checks compiled ahead of time instead (see decode.ts).
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Decoder, decoderOf, type MessageOf, type Validator } from './decode';
import type { MessageMap } from './message';

export * from './decode';

/**
 * A schema compiled on first use. Compiling every validator at import would cost each process
 * tens of ms at start; a relay or agent compiles each message type once, on its first message.
 */
export function lazyCompile(schema: TSchema): () => Compiled {
  let compiled: Compiled | undefined;
  return () => {
    compiled ??= Compile(schema);
    return compiled;
  };
}
type Compiled = ReturnType<typeof Compile>;

/** A validator whose failures name the first field at fault. */
export function lazyValidator(schema: TSchema): Validator {
  const compiled = lazyCompile(schema);
  return {
    check: (value) => compiled().Check(value),
    explain: (value) => {
      const first = compiled().Errors(value)[0];
      return `${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`;
    },
  };
}

export function createDecoder<M extends MessageMap>(map: M): Decoder<MessageOf<M>> {
  const validators = new Map<string, Validator>();
  for (const [type, schema] of Object.entries(map)) validators.set(type, lazyValidator(schema));
  return decoderOf((type) => (Object.hasOwn(map, type) ? validators.get(type) : undefined));
}
