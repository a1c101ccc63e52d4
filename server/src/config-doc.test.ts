import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_BEGIN, CONFIG_DOC_END, renderConfigTable } from './config-doc';

describe('README configuration reference', () => {
  it('matches the config schema (run `npm run config-doc` after changing it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(CONFIG_DOC_BEGIN);
    const end = readme.indexOf(CONFIG_DOC_END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + CONFIG_DOC_BEGIN.length, end).trim()).toBe(renderConfigTable());
  });
});
