// Renders the configuration reference from CONFIG_SCHEMA; README.md carries its output between
// markers, and config-doc.test.ts fails when the two drift apart.
import { CONFIG_SCHEMA } from './config';

export const CONFIG_DOC_BEGIN = '<!-- config:begin (generated from server/src/config.ts: npm run config-doc) -->';
export const CONFIG_DOC_END = '<!-- config:end -->';

export function renderConfigTable(): string {
  const rows = Object.entries(CONFIG_SCHEMA).map(
    ([name, e]) =>
      `| \`${name}\` | ${e.default === null ? '—' : e.default === '' ? '(empty)' : `\`${e.default}\``} | ${e.doc} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
