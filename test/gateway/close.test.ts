import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { startGateway, waitFor } from './helpers.js';

let up: UpstreamFixture;

beforeAll(async () => {
  up = await startUpstream('u');
});

afterAll(async () => {
  await up.close();
});

const data = () =>
  config()
    .upstream('ups', [up.url], { health_checks: { active: { enabled: true, path: '/health', interval_ms: 100 } } })
    .service('svc', 'ups')
    .route('rt', 'svc', ['/*'])
    .build();

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

describe('graceful close', () => {
  it('stops accepting, lets an in-flight request finish, then resolves', async () => {
    const gw = await startGateway(data());
    const agent = new Agent();
    const inflight = request(`${gw.url}/slow-headers?latch=grace`, { dispatcher: agent });
    await up.seen('/slow-headers');

    let closed = false;
    const closing = gw.plane.close({ graceMs: 10_000 }).then(() => (closed = true));
    expect(await refused(gw.port)).toBe(true);
    expect(closed).toBe(false);

    up.latch('grace').release();
    const res = await inflight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('late');
    await closing;
    expect(closed).toBe(true);
    await agent.close();
  });

  it('destroys what is still running when the grace period ends', async () => {
    const gw = await startGateway(data());
    const agent = new Agent();
    const outcome = request(`${gw.url}/slow-headers?latch=forever`, { dispatcher: agent }).then(
      () => 'answered',
      (err: Error) => err,
    );
    await waitFor(() => (up.hits.get('/slow-headers') ?? 0) >= 2);
    await gw.plane.close({ graceMs: 100 });
    expect(await outcome).toBeInstanceOf(Error);
    await agent.destroy();
  });

  it('stops health-check timers', async () => {
    const gw = await startGateway(data());
    await waitFor(() => (up.hits.get('/health') ?? 0) > 0);
    await gw.plane.close({ graceMs: 100 });
    const probes = up.hits.get('/health') ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(up.hits.get('/health') ?? 0).toBeLessThanOrEqual(probes + 1);
  });
});
