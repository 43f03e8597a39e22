import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from '../../src/core/error-docs.js';
import { ErrorCatalog } from '../../src/core/errors.js';

describe('docs/errors.md', () => {
  it('lists every error code with its status (run npm run docs:errors to refresh)', () => {
    const page = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(page).toBe(renderErrorDocs());
    for (const [code, e] of Object.entries(ErrorCatalog)) expect(page).toContain(`| \`${code}\` | ${e.status} |`);
  });
});
