/**
 * The fixed phases (access → rewrite → cache → limit → proxy → response → log), STYLE.md rule 2.
 * A route's policies are precompiled into per-phase arrays of handlers sorted by priority; running
 * a chain allocates nothing while handlers are synchronous, and only awaits a handler that
 * actually returned a thenable.
 */
import type { RequestContext } from './context.js';
import type { Phase, PolicyHandlers } from './policies/types.js';
import type { Handler, PhaseChains } from './snapshot/types.js';

export interface BoundPolicy {
  id: string;
  type: string;
  priority: number;
  handlers: PolicyHandlers<RequestContext>;
}

const REQUEST_PHASES: readonly Phase[] = ['access', 'rewrite', 'cache', 'limit', 'proxy'];
const UPGRADE_PHASES: readonly Phase[] = ['access', 'rewrite'];

function collect(policies: readonly BoundPolicy[], phases: readonly Phase[]): Handler[] {
  const out: Handler[] = [];
  for (const phase of phases) {
    const inPhase = policies.filter((p) => p.handlers[phase] !== undefined);
    inPhase.sort((a, b) => a.priority - b.priority || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) || (a.id < b.id ? -1 : 1));
    for (const p of inPhase) out.push(p.handlers[phase] as Handler);
  }
  return out;
}

export function compileChains(policies: readonly BoundPolicy[]): PhaseChains {
  return {
    request: collect(policies, REQUEST_PHASES),
    upgrade: collect(policies, UPGRADE_PHASES),
    response: collect(policies, ['response']),
    log: collect(policies, ['log']),
  };
}

export type ChainDone = (ctx: RequestContext) => void;
export type ChainFailed = (ctx: RequestContext, err: unknown) => void;

function isThenable(value: unknown): value is PromiseLike<void> {
  return value !== undefined && value !== null && typeof (value as PromiseLike<void>).then === 'function';
}

/**
 * Runs `chain` from `from`. Stops early when a handler sets `ctx.response`; calls `done` once the
 * chain is through (or stopped), `failed` when a handler throws or rejects.
 */
export function runChain(ctx: RequestContext, chain: readonly Handler[], from: number, done: ChainDone, failed: ChainFailed): void {
  for (let i = from; i < chain.length; i++) {
    let result: void | Promise<void>;
    try {
      result = chain[i](ctx);
    } catch (err) {
      failed(ctx, err);
      return;
    }
    if (isThenable(result)) {
      const next = i + 1;
      result.then(
        () => resume(ctx, chain, next, done, failed),
        (err: unknown) => failed(ctx, err),
      );
      return;
    }
    if (ctx.response !== null) break;
  }
  done(ctx);
}

function resume(ctx: RequestContext, chain: readonly Handler[], next: number, done: ChainDone, failed: ChainFailed): void {
  try {
    if (ctx.response !== null) done(ctx);
    else runChain(ctx, chain, next, done, failed);
  } catch (err) {
    failed(ctx, err);
  }
}

/** Log-phase handlers: after the response, never able to change it; failures only reported. */
export function runLogChain(ctx: RequestContext, chain: readonly Handler[], report: (err: unknown) => void): void {
  for (let i = 0; i < chain.length; i++) {
    try {
      const result = chain[i](ctx);
      if (isThenable(result)) result.then(undefined, report);
    } catch (err) {
      report(err);
    }
  }
}
