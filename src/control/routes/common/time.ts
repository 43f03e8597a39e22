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

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function notATime(field: string): never {
  throw validationError(`Query parameter '${field}' is not a time`, [
    { path: `/${field}`, message: 'must be an RFC 3339 date-time (UTC when it has no offset) or epoch milliseconds' },
  ]);
}

/** Epoch ms of a validated time parameter. No offset means UTC; a day that does not exist (02-30) is refused. */
export function parseTime(value: string, field: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const m = DATE_TIME.exec(value);
  if (m === null) notATime(field);
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const day = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  if (new Date(day).toISOString().slice(0, 10) !== `${y}-${mo}-${d}` || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) notATime(field);
  const offset = zone.length > 1 ? zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac}${offset}`);
  if (!Number.isFinite(ms)) notATime(field);
  return ms;
}

/** [from, to) from optional parameters, `to` defaulting to now and `from` to `to - defaultSpanMs`. */
export function timeRange(query: { from?: string; to?: string }, defaultSpanMs: number, now = Date.now()): { from: number; to: number } {
  const to = query.to === undefined ? now : parseTime(query.to, 'to');
  const from = query.from === undefined ? to - defaultSpanMs : parseTime(query.from, 'from');
  if (from >= to) throw validationError("'from' must be before 'to'", [{ path: '/from', message: 'must be before to' }]);
  return { from, to };
}
