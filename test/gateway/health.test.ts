import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pickTarget } from '../../src/gateway/proxy/balancer.js';
import { TargetState } from '../../src/gateway/proxy/target-state.js';
import type { CompiledUpstream } from '../../src/gateway/snapshot/types.js';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { expectGantryError, send, startGateway, waitFor, type Gateway } from './helpers.js';

let a: UpstreamFixture;
let b: UpstreamFixture;
let gw: Gateway;
let version = 1;

beforeAll(async () => {
  [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
  gw = await startGateway();
});

afterAll(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close()]);
});

afterEach(() => {
  a.forceStatus = null;
  a.healthStatus = 200;
  b.healthStatus = 200;
});

/** Health state lives per (upstream id, target): each test uses its own upstream id. */
function apply(upstreamId: string, targets: string[], healthChecks: object) {
  gw.plane.applyConfig(
    config()
      .version(version++)
      .upstream(upstreamId, targets, { health_checks: healthChecks })
      .service('svc', upstreamId, { retries: 0 })
      .route('rt', 'svc', ['/*'])
      .build(),
  );
}

const who = async () => {
  const r = await send(`${gw.url}/echo`);
  return { status: r.status, upstream: r.headers['x-upstream'] as string | undefined };
};

describe('passive health', () => {
  it('ejects a target after consecutive failures and tries it again after the cooldown', async () => {
    apply('ups_passive', [a.url, b.url], { passive: { enabled: true, max_failures: 2, cooldown_ms: 2000, failure_statuses: [503] } });
    a.forceStatus = 503;
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await who()).upstream!);
    expect(seen.filter((u) => u === 'a').length).toBe(2); // two failures, then ejected
    expect(seen.slice(-2)).toEqual(['b', 'b']);
    a.forceStatus = null;
    // After the cooldown `a` gets traffic again.
    await waitFor(async () => (await who()).upstream === 'a', 8000, 'a to be tried again');
  });

  it('counts connection failures too', async () => {
    a.resetPaths.add('/echo');
    try {
      apply('ups_connect', [a.url, b.url], { passive: { enabled: true, max_failures: 1, cooldown_ms: 60_000 } });
      await send(`${gw.url}/echo`); // a: reset → 502 (no retries), a ejected
      for (let i = 0; i < 4; i++) expect((await who()).upstream).toBe('b');
    } finally {
      a.resetPaths.clear();
    }
  });
});

describe('passive health with a single target', () => {
  it('never ejects the only target: failures reach the client, and the next request is served', async () => {
    apply('ups_single', [a.url], { passive: { enabled: true, max_failures: 1, cooldown_ms: 60_000, failure_statuses: [503] } });
    a.forceStatus = 503;
    expect((await who()).status).toBe(503); // the upstream's own 503, passed on
    a.forceStatus = null;
    // Had the target been ejected, this would be 503 GANTRY_ERR_NO_HEALTHY_TARGET for a minute.
    expect(await who()).toEqual({ status: 200, upstream: 'a' });
  });
});

describe('active health', () => {
  it('marks a target down after failed probes and up again after successful ones', async () => {
    apply('ups_active', [a.url, b.url], {
      active: { enabled: true, path: '/health', interval_ms: 100, timeout_ms: 500, healthy_threshold: 2, unhealthy_threshold: 2 },
    });
    await waitFor(() => (a.hits.get('/health') ?? 0) > 0, 5000, 'first probe');
    a.healthStatus = 500;
    await waitFor(async () => {
      const results = [await who(), await who(), await who()];
      return results.every((r) => r.upstream === 'b');
    }, 8000, 'a to be marked down');
    a.healthStatus = 200;
    await waitFor(async () => (await who()).upstream === 'a', 8000, 'a to be marked up');
  });

  it('answers 503 when every target is unhealthy, and stops probing when checks are removed', async () => {
    apply('ups_all_down', [a.url], { active: { enabled: true, path: '/health', interval_ms: 100, timeout_ms: 500, unhealthy_threshold: 1 } });
    a.healthStatus = 503;
    await waitFor(async () => (await who()).status === 503, 8000, '503');
    expectGantryError(await send(`${gw.url}/echo`), 503, 'GANTRY_ERR_NO_HEALTHY_TARGET');
    apply('ups_all_down', [a.url], {}); // checks removed: the verdict is dropped with them
    expect((await who()).upstream).toBe('a');
    const probes = a.hits.get('/health') ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(a.hits.get('/health') ?? 0).toBeLessThanOrEqual(probes + 1); // at most one probe already in flight
  });
});

describe('balancing', () => {
  const upstream = (weights: number[], algorithm: CompiledUpstream['algorithm'] = 'round-robin'): CompiledUpstream => ({
    id: 'u',
    name: 'u',
    algorithm,
    targets: weights.map((weight, i) => ({ url: `t${i}`, origin: `t${i}`, weight, state: new TargetState(`t${i}`), current: 0 })),
    passive: null,
    active: null,
    activeFingerprint: '',
    cursor: 0,
  });

  it('spreads weighted round robin smoothly and deterministically (nginx sequence)', () => {
    const u = upstream([5, 1, 1]);
    const names = Array.from({ length: 7 }, () => 'abc'[pickTarget(u, 0)]).join('');
    expect(names).toBe('aabacaa');
  });

  it('never picks a drained (weight 0) or unavailable target', () => {
    const u = upstream([1, 0, 1]);
    u.targets[2].state.activeUp = false;
    for (let i = 0; i < 5; i++) expect(pickTarget(u, 0)).toBe(0);
    u.targets[0].state.ejectedUntil = Date.now() + 60_000;
    expect(pickTarget(u, 0)).toBe(-1);
  });

  it('avoids already tried targets when another is available', () => {
    const u = upstream([1, 1, 1]);
    for (let i = 0; i < 6; i++) expect(pickTarget(u, 0b001)).not.toBe(0);
    expect(pickTarget(upstream([1]), 0b1)).toBe(0);
  });

  it('least-connections picks the lowest in-flight per weight, ties in turn', () => {
    const u = upstream([1, 2, 1], 'least-connections');
    u.targets[0].state.inflight = 1;
    u.targets[1].state.inflight = 1; // 0.5 per weight
    u.targets[2].state.inflight = 1;
    expect(pickTarget(u, 0)).toBe(1);
    u.targets[1].state.inflight = 2; // all at 1 per weight: round robin
    const picks = new Set(Array.from({ length: 3 }, () => pickTarget(u, 0)));
    expect(picks).toEqual(new Set([0, 1, 2]));
  });
});
