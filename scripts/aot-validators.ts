// Ahead-of-time validators for the browser console (run by build-console.mjs at build time): the
// protocol schemas the console checks at runtime, compiled by TypeBox's `Code` into standalone ES
// modules, so the page ships plain functions instead of TypeBox's builder and compiler (~165 KiB
// of the bundle, 40–150 ms of every page load in Chromium).
import type { TSchema } from 'typebox';
import { Code } from 'typebox/compile';
import { ServerToConsole } from '../protocol/src/console';
import { MonitorList, SessionList } from '../protocol/src/frame-checks';

/** Module name (as imported inside protocol/src) → its source; `v-*` are the validators they import. */
export function generate(): Record<string, string> {
  const modules: Record<string, string> = {};
  const validator = (name: string, schema: TSchema) => {
    const { Code: code, External } = Code(schema);
    // The module takes its non-inlined values (the `pattern` RegExps) from SetExternal: they are
    // written out as literals. Any other kind of value could not be, and fails the build.
    const values = External.variables.map((v) => {
      if (v instanceof RegExp) return String(v);
      throw new Error(`${name}: an external value that is not a RegExp cannot be compiled ahead of time`);
    });
    modules[`./v-${name}`] = `${code}\nSetExternal({ variables: [${values.join(', ')}] });\n`;
    return `./v-${name}`;
  };
  const entries = Object.entries(ServerToConsole).map(([type, schema], i) => {
    const mod = validator(`server-to-console-${i}`, schema);
    return {
      type,
      line: `import { Check as c${i} } from '${mod}';`,
      entry: `[${JSON.stringify(type)}, { check: c${i} }]`,
    };
  });
  modules['./decoders'] = [
    "import { decoderOf } from './decode';",
    ...entries.map((e) => e.line),
    `const table = new Map([${entries.map((e) => e.entry).join(', ')}]);`,
    'export const decodeServerToConsole = decoderOf((type) => table.get(type));',
  ].join('\n');
  modules['./frame-checks'] = [
    `export { Check as isSessionList } from '${validator('session-list', SessionList)}';`,
    `export { Check as isMonitorList } from '${validator('monitor-list', MonitorList)}';`,
  ].join('\n');
  return modules;
}
