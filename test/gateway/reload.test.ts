import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { send, startGateway, waitFor, type Gateway } from './helpers.js';

let a: UpstreamFixture;
let b: UpstreamFixture;
let c: UpstreamFixture;
let gw: Gateway;

function build(version: number, targets: string[]) {
  return config()
    .version(version)
    .upstream('ups', targets)
    .service('svc', 'ups')
    .route('rt', 'svc', ['/load/*'])
    .route(`rt_new_${version}`, 'svc', [`/new-${version}/*`])
    .build();
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c')]);
  gw = await startGateway(build(1, [a.url]));
});

afterAll(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close(), c.close()]);
});

const connections = (u: UpstreamFixture) => new Promise<number>((resolve) => u.server.getConnections((_e, n) => resolve(n)));

describe('reload under load', () => {
  it('swaps configs many times, changing targets, without failing a request', async () => {
    const TOTAL = 2000;
    const CONCURRENCY = 20;
    const deadline = Date.now() + 15_000;
    let issued = 0;
    let completed = 0;
    const failures: string[] = [];
    let loadDone = false;

    const worker = async () => {
      while (issued < TOTAL && Date.now() < deadline) {
        const i = issued++;
        try {
          const post = i % 5 === 0;
          const r = await send(`${gw.url}/load/${i}`, post ? { method: 'POST', body: `body-${i}` } : {});
          const body = r.json();
          if (r.status !== 200 || (post && body.body !== `body-${i}`)) failures.push(`${i}: ${r.status} ${r.text.slice(0, 200)}`);
        } catch (err) {
          failures.push(`${i}: ${(err as Error).message}`);
        }
        completed++;
      }
    };

    const sets = [[b.url], [a.url, c.url], [c.url], [a.url], [b.url, c.url], [a.url, b.url, c.url]];
    let version = 1;
    const reloader = async () => {
      while (!loadDone) {
        version++;
        gw.plane.applyConfig(build(version, sets[version % sets.length]));
        expect(gw.plane.configVersion).toBe(version);
        // A route added by this version is served as soon as applyConfig returns.
        const fresh = await send(`${gw.url}/new-${version}/x`);
        if (fresh.status !== 200) failures.push(`new route of v${version}: ${fresh.status}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker)).finally(() => (loadDone = true));
    await Promise.all([load, reloader()]);

    expect(failures).toEqual([]);
    expect(completed).toBe(TOTAL);
    expect(version).toBeGreaterThan(10);

    // Settle on one target: pools to the others are closed once their last request is done.
    gw.plane.applyConfig(build(++version, [c.url]));
    expect((await send(`${gw.url}/load/last`)).json().upstream).toBe('c');
    await waitFor(async () => (await connections(a)) === 0 && (await connections(b)) === 0, 8000, 'pools of removed targets to close');
  });
});
