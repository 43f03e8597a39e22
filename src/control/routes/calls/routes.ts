import type { FastifyInstance } from 'fastify';
import type { CallLogFilters } from '../../../store/types.js';
import { principal } from '../../auth.js';
import type { ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { parseTime } from '../common/time.js';
import { presentCall, presentCallDetail } from './present.js';
import * as schema from './schema.js';

const numbers = (list: string): number[] => list.split(',').map((v) => Number(v.replace(/xx$/, '')));

/** The store's filters from a validated query string. */
export function callFilters(q: schema.CallListQuery): CallLogFilters {
  const f: CallLogFilters = {};
  if (q.from !== undefined) f.from = parseTime(q.from, 'from');
  if (q.to !== undefined) f.to = parseTime(q.to, 'to');
  for (const key of ['team_id', 'service_id', 'route_id', 'app_id', 'key_id', 'error_code', 'provider_id', 'model', 'method', 'request_id', 'path'] as const) {
    const value = q[key];
    if (value !== undefined) f[key] = value;
  }
  if (q.status_class !== undefined) f.status_class = numbers(q.status_class);
  if (q.status !== undefined) f.status = numbers(q.status);
  return f;
}

export function callRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.CallListQuery }>('/calls', { schema: schema.listCalls }, async (request) => {
    const { scope } = principal(request);
    const q = request.query;
    const page = await ctx.store.callLogs.query(scope, callFilters(q), {
      ...(q.limit === undefined ? {} : { limit: Number(q.limit) }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return presentPage(page, presentCall);
  });

  app.get<{ Params: schema.CallIdParams }>('/calls/:id', { schema: schema.getCall }, async (request) => {
    const detail = await ctx.store.callLogs.get(principal(request).scope, request.params.id);
    if (!detail) throw notFound('Call', request.params.id);
    return presentCallDetail(detail);
  });
}
