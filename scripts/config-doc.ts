// Rewrites the configuration table in README.md from the config schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DOC_BEGIN, CONFIG_DOC_END, renderConfigTable } from '../server/src/config-doc';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf(CONFIG_DOC_BEGIN);
const end = readme.indexOf(CONFIG_DOC_END);
if (start < 0 || end < start) throw new Error('README.md lacks the config markers');
writeFileSync(
  path,
  `${readme.slice(0, start + CONFIG_DOC_BEGIN.length)}\n${renderConfigTable()}\n${readme.slice(end)}`,
);
console.log('README.md configuration table updated');
