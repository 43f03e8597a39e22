import diagnostics_channel from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CALL_CHANNEL, type CallEvent } from '../../src/gateway/index.js';
import { config } from '../fixtures/config.js';
import { closedPort, startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { expectGantryError, send, startGateway, type Gateway } from './helpers.js';

let a: UpstreamFixture;
let b: UpstreamFixture;
let dead: string;
let gw: Gateway;
let version = 1;

/** Passive health off: these tests are about retries alone. */
const noEjection = { health_checks: { passive: { enabled: false } } };

function apply(targets: string[], retries = 2) {
  gw.plane.applyConfig(
    config()
      .version(version++)
      .upstream('ups', targets, noEjection)
      .service('svc', 'ups', { retries })
      .route('rt', 'svc', ['/*'])
      .build(),
  );
}

const events: CallEvent[] = [];
const onEvent = (e: unknown) => events.push(e as CallEvent);

beforeAll(async () => {
  [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
  dead = `http://127.0.0.1:${await closedPort()}`;
  gw = await startGateway();
  diagnostics_channel.subscribe(CALL_CHANNEL, onEvent);
});

afterAll(async () => {
  diagnostics_channel.unsubscribe(CALL_CHANNEL, onEvent);
  await gw.close();
  await Promise.all([a.close(), b.close()]);
});

afterEach(() => {
  a.resetPaths.clear();
  b.resetPaths.clear();
  events.length = 0;
});

describe('retries', () => {
  it('serves every request from the live target when the other refuses connections', async () => {
    apply([dead, a.url]);
    for (let i = 0; i < 6; i++) {
      const r = await send(`${gw.url}/echo`, { headers: { 'x-request-id': `conn-${i}` } });
      expect(r.status).toBe(200);
      expect(r.json().upstream).toBe('a');
    }
    const retried = events.filter((e) => e.requestId.startsWith('conn-') && e.retries > 0);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried[0].upstreamTarget).toBe(a.url);
  });

  it('retries a POST with a body after a connect failure: no byte was sent', async () => {
    apply([dead, a.url]);
    const r = await send(`${gw.url}/echo`, { method: 'POST', body: 'payload' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ upstream: 'a', body: 'payload' });
  });

  it('retries an idempotent GET after a connection reset, on the other target', async () => {
    a.resetPaths.add('/flaky');
    apply([a.url, b.url]); // a fresh balancer picks `a` first
    for (let i = 0; i < 4; i++) {
      const r = await send(`${gw.url}/flaky`);
      expect(r.status).toBe(200);
      expect(r.json().upstream).toBe('b');
    }
    expect(a.hits.get('/flaky')).toBeGreaterThan(0);
  });

  it('does not retry a POST with a body after the request was sent', async () => {
    a.resetPaths.add('/no-retry');
    b.resetPaths.add('/no-retry');
    apply([a.url, b.url]);
    const r = await send(`${gw.url}/no-retry`, { method: 'POST', body: 'once' });
    expectGantryError(r, 502, 'GANTRY_ERR_UPSTREAM_FAILED');
    expect((a.hits.get('/no-retry') ?? 0) + (b.hits.get('/no-retry') ?? 0)).toBe(1);
  });

  it('bounds attempts by the service retries', async () => {
    a.resetPaths.add('/always');
    b.resetPaths.add('/always');
    apply([a.url, b.url], 1);
    expectGantryError(await send(`${gw.url}/always`), 502, 'GANTRY_ERR_UPSTREAM_FAILED');
    expect((a.hits.get('/always') ?? 0) + (b.hits.get('/always') ?? 0)).toBe(2);
  });

  it('never retries once response headers arrived', async () => {
    apply([a.url, b.url]);
    const r = await send(`${gw.url}/status/500`);
    expect(r.status).toBe(500);
    expect((a.hits.get('/status/500') ?? 0) + (b.hits.get('/status/500') ?? 0)).toBe(1);
  });
});
