import type { FastifyInstance } from 'fastify';
import { validationError } from '../../../core/errors.js';
import type { AiUsageDimension, AiUsageQuery } from '../../../store/types.js';
import { principal } from '../../auth.js';
import type { ControlContext } from '../../context.js';
import { presentUsage } from './present.js';
import * as schema from './schema.js';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 400;

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of a YYYY-MM-DD that names a real day (2024-02-30 does not). */
function parseDay(value: string, field: 'from' | 'to'): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || dayOf(ms) !== value) {
    throw validationError(`Query parameter '${field}' is not a calendar day`, [
      { path: `/${field}`, message: 'must be a calendar day, YYYY-MM-DD' },
    ]);
  }
  return ms;
}

/** [from, to] in days, inclusive: by default the 30 days ending today (UTC). */
export function usageRange(query: schema.UsageQuery, now = Date.now()): { from: string; to: string } {
  const to = query.to === undefined ? Date.parse(`${dayOf(now)}T00:00:00Z`) : parseDay(query.to, 'to');
  const from = query.from === undefined ? to - (DEFAULT_DAYS - 1) * DAY_MS : parseDay(query.from, 'from');
  if (from > to) {
    throw validationError(`'from' (${dayOf(from)}) is after 'to' (${dayOf(to)})`, [
      { path: '/from', message: 'must be on or before to' },
    ]);
  }
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_DAYS) {
    throw validationError(`The range covers ${days} days; ask for at most ${MAX_DAYS} at a time`, [
      { path: '/from', message: `must be within ${MAX_DAYS} days of to (both days counted)` },
    ]);
  }
  return { from: dayOf(from), to: dayOf(to) };
}

function groupBy(list: string | undefined): AiUsageDimension[] {
  return list === undefined ? ['day'] : [...new Set(list.split(',') as AiUsageDimension[])];
}

export function aiUsageRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.UsageQuery }>('/ai/usage', { schema: schema.getUsage }, async (request) => {
    const { scope } = principal(request);
    const { team_id, app_id, provider_id, model } = request.query;
    const query: AiUsageQuery = {
      ...usageRange(request.query),
      group_by: groupBy(request.query.group_by),
      ...(team_id === undefined ? {} : { team_id }),
      ...(app_id === undefined ? {} : { app_id }),
      ...(provider_id === undefined ? {} : { provider_id }),
      ...(model === undefined ? {} : { model }),
    };
    return presentUsage(await ctx.store.aiUsage.query(scope, query), query.group_by);
  });
}
