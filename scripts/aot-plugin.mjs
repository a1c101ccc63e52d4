// The browser console's protocol without TypeBox at runtime (used by build-console.mjs and by
// test/console/aot-validators.test.ts): `@rc-relay/protocol` becomes protocol/src/browser.ts, and
// inside protocol/src the modules `./decoders` and `./frame-checks` become the validators that
// scripts/aot-validators.ts compiles ahead of time from the same schemas.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs scripts/aot-validators.ts (bundled for Node on the fly) and returns its modules. */
export async function aotModules() {
  const { build } = await import('esbuild');
  const gen = await build({
    entryPoints: [join(root, 'scripts', 'aot-validators.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const file = join(root, 'console-client', `.aot-validators-${process.pid}.mjs`);
  writeFileSync(file, gen.outputFiles[0].contents);
  try {
    return (await import(pathToFileURL(file).href)).generate();
  } finally {
    rmSync(file, { force: true });
  }
}

/** The esbuild plugin that swaps those modules in. */
export function aotPlugin(modules) {
  const protocolSrc = join(root, 'protocol', 'src');
  return {
    name: 'rc-aot-validators',
    setup(b) {
      b.onResolve({ filter: /^@rc-relay\/protocol$/ }, () => ({ path: join(protocolSrc, 'browser.ts') }));
      b.onResolve({ filter: /^\.\/[\w.-]+$/ }, (args) => {
        const inAot = args.namespace === 'aot';
        if (!inAot && dirname(args.importer) !== protocolSrc) return undefined;
        if (!Object.hasOwn(modules, args.path)) return undefined;
        return { path: args.path, namespace: 'aot' };
      });
      b.onLoad({ filter: /.*/, namespace: 'aot' }, (args) => ({
        contents: modules[args.path],
        loader: 'js',
        resolveDir: protocolSrc,
      }));
    },
  };
}
