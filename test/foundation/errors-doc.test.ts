import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { renderErrorsDoc } from '../../scripts/gen-errors-doc.ts';

it('docs/errors.md lists every code of every src/**/errors.ts (run `npm run docs:errors` when this fails)', async () => {
  const expected = await renderErrorsDoc();
  const actual = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  expect(actual).toBe(expected);
  for (const code of ['VALIDATION_FAILED', 'AUTH_REQUIRED', 'REGISTRY_MEMBER_NOT_FOUND', 'STORE_UNAVAILABLE', 'CONFIG_INVALID']) {
    expect(actual).toContain(`\`${code}\``);
  }
});
