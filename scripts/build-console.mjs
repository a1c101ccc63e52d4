#!/usr/bin/env node
// Bundles the browser console (console-client/src/ui) into console-client/dist: index.html plus
// content-hashed JS and CSS, so the relay can cache assets forever and index.html never.
// `--if-changed` skips the build when the sources (UI, protocol, this script) hash to the stamp in
// dist/.build-stamp: `npm start` and `npm test` call it that way through scripts/bootstrap.mjs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ui = join(root, 'console-client', 'src', 'ui');
const dist = join(root, 'console-client', 'dist');
const stampFile = join(dist, '.build-stamp');
const inputs = [
  ui,
  join(root, 'protocol', 'src'),
  fileURLToPath(import.meta.url),
  join(root, 'scripts', 'aot-validators.ts'),
  join(root, 'scripts', 'aot-plugin.mjs'),
];

function files(p) {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((n) => files(join(p, n)));
}

function sourceHash() {
  const h = createHash('sha256');
  for (const f of inputs.flatMap(files)) h.update(relative(root, f)).update(readFileSync(f));
  return h.digest('hex');
}

const stamp = sourceHash();
if (process.argv.includes('--if-changed') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  process.exit(0);
}

const { build } = await import('esbuild');
const { aotModules, aotPlugin } = await import('./aot-plugin.mjs');
const started = Date.now();
// Built beside dist and swapped in at the end, so a relay starting meanwhile never reads half a build.
const out = `${dist}.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { app: join(ui, 'main.ts'), style: join(ui, 'style.css') },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  // protocol/ is written for Node; its frame codec uses Buffer, which the browser gets from the
  // `buffer` package (only where it is referenced).
  inject: [join(ui, 'buffer-shim.ts')],
  plugins: [aotPlugin(await aotModules())],
  tsconfig: join(root, 'console-client', 'tsconfig.ui.json'),
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
// The LAN route's first script: classic (it runs during parsing, before the module is fetched).
const early = await build({
  entryPoints: { early: join(ui, 'early-bridge.ts') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  tsconfig: join(root, 'console-client', 'tsconfig.ui.json'),
  metafile: true,
  logLevel: 'warning',
});
const outputs = [...Object.entries(result.metafile.outputs), ...Object.entries(early.metafile.outputs)];
const leaked = Object.keys(result.metafile.inputs).filter((p) =>
  /node_modules\/typebox\/build\/(type|compile)\//.test(p),
);
if (leaked.length) throw new Error(`the console bundle pulled in TypeBox's builder or compiler: ${leaked[0]}`);
const asset = (entry, ext) => {
  const hit = outputs.find(([p, o]) => p.endsWith(ext) && o.entryPoint?.endsWith(entry));
  if (!hit) throw new Error(`no output for ${entry}`);
  return `assets/${basename(hit[0])}`;
};
const html = readFileSync(join(ui, 'index.html'), 'utf8')
  .replace('%STYLE%', asset('style.css', '.css'))
  .replace('%SCRIPT%', asset('main.ts', '.js'))
  .replace('%EARLY%', asset('early-bridge.ts', '.js'));
writeFileSync(join(out, 'index.html'), html);
writeFileSync(join(out, '.build-stamp'), stamp);
rmSync(dist, { recursive: true, force: true });
renameSync(out, dist);
const bytes = outputs.filter(([p]) => !p.endsWith('.map')).reduce((n, [, o]) => n + o.bytes, 0);
console.log(`[build:console] console-client/dist in ${Date.now() - started} ms (${Math.round(bytes / 1024)} KiB)`);
