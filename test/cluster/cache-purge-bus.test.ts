/**
 * The purge announcement channel, both backends, over real PostgreSQL and Redis: what one node
 * publishes every other node hears, the sender does not hear itself, and large purges are split
 * under PostgreSQL's NOTIFY payload limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePurgePayload, PostgresPurgeBus, purgePayloads, RedisPurgeBus, type CachePurgeBus } from '../../src/cluster/cache-purge-bus.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { describeGated, describeRedis, eventually, uniquePrefix } from '../helpers/redis.js';

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

describeRedis('the purge channel over Redis pub/sub', (url) => {
  const prefix = uniquePrefix('purge-bus').replace(/:$/, '');
  busBehaviour(() => new RedisPurgeBus({ url, prefix, logger: quiet }));
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
});
