/** Time bounds in query strings: RFC 3339 date-times or epoch milliseconds. */
import { Type } from '@sinclair/typebox';
import { validationError } from '../../../core/errors.js';

export const TimeParam = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 40,
    pattern: '^(?:\\d{1,15}|\\d{4}-\\d{2}-\\d{2}(?:T[0-9:.]+(?:Z|[+-]\\d{2}:?\\d{2})?)?)$',
    description: `${description} RFC 3339 (\`2026-12-04T10:00:00Z\`) or epoch milliseconds.`,
  });

/** Epoch ms of a validated time parameter; a date that does not exist (02-30) is refused. */
export function parseTime(value: string, field: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw validationError(`Query parameter '${field}' is not a time`, [{ path: `/${field}`, message: 'must be an RFC 3339 date-time or epoch milliseconds' }]);
  }
  return ms;
}

/** [from, to) from optional parameters, `to` defaulting to now and `from` to `to - defaultSpanMs`. */
export function timeRange(query: { from?: string; to?: string }, defaultSpanMs: number, now = Date.now()): { from: number; to: number } {
  const to = query.to === undefined ? now : parseTime(query.to, 'to');
  const from = query.from === undefined ? to - defaultSpanMs : parseTime(query.from, 'from');
  if (from >= to) throw validationError("'from' must be before 'to'", [{ path: '/from', message: 'must be before to' }]);
  return { from, to };
}
