import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { renderErrorsDoc } from '../../scripts/gen-errors-doc.ts';
import { BGP_ERROR_CODES } from '../../src/bgp/errors.ts';
import { FLOW_ERROR_CODES } from '../../src/flow/errors.ts';

it('docs/errors.md lists every code of every src/**/errors.ts (run `npm run docs:errors` when this fails)', async () => {
  const expected = await renderErrorsDoc();
  const actual = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  expect(actual).toBe(expected);
  for (const code of ['VALIDATION_FAILED', 'AUTH_REQUIRED', 'REGISTRY_MEMBER_NOT_FOUND', 'STORE_UNAVAILABLE', 'CONFIG_INVALID']) {
    expect(actual).toContain(`\`${code}\``);
  }
});

it('docs/errors.md also lists the protocol libraries’ codes (src/flow, src/bgp), which do not use src/lib', async () => {
  const doc = await renderErrorsDoc();
  for (const code of [...Object.keys(FLOW_ERROR_CODES), ...Object.keys(BGP_ERROR_CODES)]) expect(doc).toContain(`| \`${code}\` |`);
});
