/**
 * The head of a successful AI response. Gantry builds it itself: no provider header reaches the
 * client (no cookies, no provider request ids or rate-limit headers that would describe Gantry's
 * key). Policies still apply: response-phase handlers run before it is written and may add or
 * remove headers (`ctx.responseExtra` / `ctx.responseDrop`).
 */
import type { RequestContext } from '../../gateway/context.js';
import { SSE_HEADERS } from '../transport/sse.js';

export interface ServedMeta {
  provider: string;
  model: string;
  attempts: number;
  overheadMs: number;
}

const SSE_CONTENT: readonly string[] = Object.entries(SSE_HEADERS).flat();

export function streamContentHeaders(): string[] {
  return SSE_CONTENT.slice();
}

export function jsonContentHeaders(length: number): string[] {
  return ['content-type', 'application/json', 'content-length', String(length)];
}

function dropped(ctx: RequestContext, name: string): boolean {
  const drop = ctx.responseDrop;
  return drop !== null && drop.includes(name);
}

export function aiResponseHeaders(ctx: RequestContext, content: string[], meta: ServedMeta): string[] {
  const out = content;
  out.push('x-request-id', ctx.requestId);
  const gantry = [
    'x-gantry-provider',
    meta.provider,
    'x-gantry-model',
    meta.model,
    'x-gantry-attempts',
    String(meta.attempts),
    'x-gantry-overhead-ms',
    meta.overheadMs.toFixed(2),
  ];
  for (let i = 0; i < gantry.length; i += 2) if (!dropped(ctx, gantry[i])) out.push(gantry[i], gantry[i + 1]);
  const extra = ctx.responseExtra;
  if (extra !== null) for (let i = 0; i < extra.length; i++) out.push(extra[i]);
  if (ctx.gateway.closing) out.push('connection', 'close');
  return out;
}
