import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/gateway/context.js';
import { compileChains, runChain, type BoundPolicy } from '../../src/gateway/pipeline.js';
import type { Handler } from '../../src/gateway/snapshot/types.js';

type Ctx = RequestContext & { trail: string[] };
const ctx = (): Ctx => ({ response: null, trail: [] }) as unknown as Ctx;

function run(chain: Handler[], c: Ctx): Promise<{ done: boolean; error?: unknown }> {
  return new Promise((resolve) => runChain(c, chain, 0, () => resolve({ done: true }), (_c, error) => resolve({ done: false, error })));
}

const step = (name: string): Handler => (c) => void (c as Ctx).trail.push(name);

describe('pipeline', () => {
  it('orders handlers by phase, then priority', () => {
    const p = (id: string, type: string, priority: number, phases: string[]): BoundPolicy => ({
      id,
      type,
      priority,
      handlers: Object.fromEntries(phases.map((ph) => [ph, step(`${id}:${ph}`)])),
    });
    const chains = compileChains([
      p('late-access', 'b', 500, ['access']),
      p('rewrite', 'c', 1, ['rewrite']),
      p('early-access', 'a', 10, ['access', 'response']),
      p('logger', 'd', 0, ['log']),
    ]);
    const c = ctx();
    for (const h of chains.request) h(c);
    expect(c.trail).toEqual(['early-access:access', 'late-access:access', 'rewrite:rewrite']);
    expect(chains.upgrade).toHaveLength(3);
    expect(chains.response).toHaveLength(1);
    expect(chains.log).toHaveLength(1);
  });

  it('runs synchronous handlers without waiting', () => {
    const c = ctx();
    let done = false;
    runChain(c, [step('a'), step('b')], 0, () => (done = true), () => undefined);
    expect(done).toBe(true); // synchronously
    expect(c.trail).toEqual(['a', 'b']);
  });

  it('awaits a handler that returns a promise, then continues', async () => {
    const c = ctx();
    const slow: Handler = async (x) => {
      await new Promise((r) => setTimeout(r, 5));
      (x as Ctx).trail.push('async');
    };
    expect(await run([step('a'), slow, step('b')], c)).toEqual({ done: true });
    expect(c.trail).toEqual(['a', 'async', 'b']);
  });

  it('stops when a handler sets a response', async () => {
    const c = ctx();
    const answer: Handler = (x) => x.respond(204, []);
    (c as unknown as { respond: RequestContext['respond'] }).respond = function (status, headers) {
      (this as unknown as Ctx).response = { status, headers, body: null };
    };
    expect(await run([answer, step('never')], c)).toEqual({ done: true });
    expect(c.trail).toEqual([]);
  });

  it('reports thrown errors and rejections, and runs nothing after them', async () => {
    const boom = new Error('boom');
    const c1 = ctx();
    expect(await run([() => { throw boom; }, step('never')], c1)).toEqual({ done: false, error: boom });
    const c2 = ctx();
    expect(await run([async () => { throw boom; }, step('never')], c2)).toEqual({ done: false, error: boom });
    expect([...c1.trail, ...c2.trail]).toEqual([]);
  });
});
