/** Renders docs/errors.md from the error catalog, so the page can never miss a code. */
import { ErrorCatalog } from './errors.js';

export function renderErrorDocs(): string {
  const rows = Object.entries(ErrorCatalog).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.message} |`);
  return [
    '# Error codes',
    '',
    'Every error Gantry returns, from the data plane or the admin API, is JSON with a stable code:',
    '',
    '```json',
    '{ "error": { "code": "GANTRY_ERR_ROUTE_NOT_FOUND", "message": "No route matches this request", "request_id": "5f0c..." } }',
    '```',
    '',
    'Validation errors add `details`, one entry per problem: `{ "path": "/targets/0/url", "message": "..." }`.',
    'Codes are never reused or renamed. The `request_id` is also in the `X-Request-Id` response header;',
    'quote it when you look for the call in the logs. No error body ever contains a stack trace or a secret.',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
    'This page is generated from `src/core/errors.ts` by `npm run docs:errors`; a test fails when it is out of date.',
    '',
  ].join('\n');
}
