/**
 * The purge announcement channel, both backends, over real PostgreSQL and Redis: what one node
 * publishes every other node hears, the sender does not hear itself, and large purges are split
 * under PostgreSQL's NOTIFY payload limit. Through a TCP forwarder the test can cut: a listener that
 * lost its connection (or started without one) reports the gap once it listens again, and not before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePurgePayload, PostgresPurgeBus, purgePayloads, RedisPurgeBus, type CachePurgeBus } from '../../src/cluster/cache-purge-bus.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { describeGated, describeRedis, eventually, uniquePrefix } from '../helpers/redis.js';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';

const quiet = { info() {}, warn() {} };

describe('purge payloads', () => {
  it('split a long list of tags into payloads under the NOTIFY limit, losing none', () => {
    const tags = Array.from({ length: 400 }, (_, i) => `sk:team_${i}:${'x'.repeat(40)}`);
    const payloads = purgePayloads('me', tags);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.flatMap((p) => parsePurgePayload(p, 'other') ?? [])).toEqual(tags);
  });

  it("ignore the sender's own payloads and malformed ones", () => {
    expect(parsePurgePayload(purgePayloads('me', ['a'])[0]!, 'me')).toBeNull();
    expect(parsePurgePayload('{"o":"x","t":[1]}', 'me')).toBeNull();
    expect(parsePurgePayload('not json', 'me')).toBeNull();
  });
});

function busBehaviour(make: () => CachePurgeBus): void {
  let a: CachePurgeBus;
  let b: CachePurgeBus;
  const heardByA: string[][] = [];
  const heardByB: string[][] = [];

  beforeAll(async () => {
    a = make();
    b = make();
    await a.start((tags) => heardByA.push(tags));
    await b.start((tags) => heardByB.push(tags));
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('delivers what one node publishes to the others, not to itself', async () => {
    await a.publish(['route:rt_1', 'sk:team:x']);
    await eventually(() => heardByB.length === 1, 5000);
    expect(heardByB[0]).toEqual(['route:rt_1', 'sk:team:x']);
    await b.publish(['service:svc_1']);
    await eventually(() => heardByA.length === 1, 5000);
    expect(heardByA).toEqual([['service:svc_1']]);
    expect(heardByB).toHaveLength(1);
  });
}

/**
 * `make(url)` builds a bus for the service at `url`; the listener goes through a forwarder, the
 * publisher straight to the service.
 */
function gapBehaviour(serviceUrl: () => string, make: (url: string) => CachePurgeBus): void {
  const open: CachePurgeBus[] = [];
  const forwarders: TcpForwarder[] = [];
  afterAll(async () => {
    for (const bus of open) await bus.close();
    for (const f of forwarders) await f.close();
  });
  const bus = (url: string): CachePurgeBus => {
    const b = make(url);
    open.push(b);
    return b;
  };
  const forwarded = async (): Promise<{ forwarder: TcpForwarder; url: string }> => {
    const f = await TcpForwarder.forUrl(serviceUrl());
    forwarders.push(f.forwarder);
    return f;
  };
  /** A listener through `url` that records what it hears and how many gaps it reports. */
  const listen = async (url: string) => {
    const heard: string[][] = [];
    const gaps = { count: 0 };
    await bus(url).start(
      (tags) => heard.push(tags),
      () => gaps.count++,
    );
    return { heard, gaps };
  };
  /** Publishes until `heard` has the tag (a listener that just came back may need a moment). */
  const deliver = async (publisher: CachePurgeBus, heard: string[][], tag: string): Promise<void> => {
    await eventually(async () => {
      await publisher.publish([tag]);
      return heard.some((t) => t.includes(tag));
    }, 10_000);
  };

  it('reports a gap once listening again after the connection was lost, and hears purges after it', async () => {
    const { forwarder, url } = await forwarded();
    const { heard, gaps } = await listen(url);
    const publisher = bus(serviceUrl());
    await deliver(publisher, heard, 'before');
    expect(gaps.count).toBe(0);

    await forwarder.cut();
    await publisher.publish(['missed']);
    await new Promise((r) => setTimeout(r, 300));
    expect(gaps.count).toBe(0);
    await forwarder.restore();
    await eventually(() => gaps.count === 1, 15_000);
    await deliver(publisher, heard, 'after');
    expect(heard.flat()).not.toContain('missed');
    expect(gaps.count).toBe(1);
  });

  it('reports a gap when it could not listen at start and then could', async () => {
    const { forwarder, url } = await forwarded();
    await forwarder.cut();
    const { heard, gaps } = await listen(url);
    expect(gaps.count).toBe(0);
    await forwarder.restore();
    await eventually(() => gaps.count === 1, 15_000);
    await deliver(bus(serviceUrl()), heard, 'late');
    expect(gaps.count).toBe(1);
  });
}

describeRedis('the purge channel over Redis pub/sub', (url) => {
  const prefix = uniquePrefix('purge-bus').replace(/:$/, '');
  busBehaviour(() => new RedisPurgeBus({ url, prefix, logger: quiet }));
  describe('after a gap', () => {
    gapBehaviour(
      () => url,
      (u) => new RedisPurgeBus({ url: u, prefix, logger: quiet, timeoutMs: 500 }),
    );
  });
});

const PG_URL = postgresTestUrl();
describeGated('the purge channel over PostgreSQL NOTIFY', PG_URL ? null : 'set GANTRY_TEST_POSTGRES_URL to run it', () => {
  let db: { url: string; drop(): Promise<void> };
  let url = '';
  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    url = db.url;
  });
  afterAll(async () => {
    await db?.drop();
  });
  busBehaviour(() => new PostgresPurgeBus({ url, logger: quiet }));
  describe('after a gap', () => {
    gapBehaviour(
      () => url,
      (u) => new PostgresPurgeBus({ url: u, logger: quiet, timeoutMs: 1000 }),
    );
  });
});
