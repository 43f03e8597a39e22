/**
 * The `cache` policy through a real data plane and a programmable origin, once per store: memory,
 * and Redis when GANTRY_TEST_REDIS_URL is set. Staleness is produced by the origin's Age header,
 * never by waiting.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigData } from '../../src/core/model.js';
import { callChannel, DataPlane, validatePolicyConfig, type CallEvent } from '../../src/gateway/index.js';
import { AiConfig, API_KEY as AI_KEY, newBox, startAi } from '../ai/gateway/helpers.js';
import { deferred, startOrigin, type Origin } from '../fixtures/cache-origin.js';
import { closedPort } from '../fixtures/upstream.js';
import { config } from '../fixtures/config.js';
import { deleteByPrefix, describeRedis, uniquePrefix } from '../helpers/redis.js';
import { expectGantryError, recordingLogger, send, startGateway, waitFor, type Gateway, type Reply } from './helpers.js';

type Backend = 'memory' | 'redis';

function cacheConfig(origin: Origin, store: Backend): ConfigData {
  return config()
    .upstream('ups', [origin.url])
    .service('svc', 'ups')
    .route('rt_d', 'svc', ['/d/*'])
    .route('rt_ttl', 'svc', ['/ttl/*'])
    .route('rt_small', 'svc', ['/small/*'])
    .route('rt_q', 'svc', ['/q/*'])
    .route('rt_s', 'svc', ['/s/*'])
    .route('rt_none', 'svc', ['/none/*'])
    .policy('pol_d', 'cache', 'route', 'rt_d', { store })
    .policy('pol_ttl', 'cache', 'route', 'rt_ttl', { store, default_ttl_seconds: 60, heuristic: false })
    .policy('pol_small', 'cache', 'route', 'rt_small', { store, max_entry_bytes: 1000 })
    .policy('pol_q', 'cache', 'route', 'rt_q', { store, key: { ignore_query_params: ['utm_source'] } })
    .policy('pol_s', 'cache', 'route', 'rt_s', { store, statuses: [200] })
    .build();
}

export function cacheBehaviour(store: Backend, redisUrl?: string): void {
  let origin: Origin;
  let gw: Gateway;
  let prefix = '';

  beforeAll(async () => {
    origin = await startOrigin();
    prefix = uniquePrefix('cache-policy').replace(/:$/, '');
    gw = await startGateway(cacheConfig(origin, store), redisUrl ? { rateLimitRedis: { url: redisUrl, prefix } } : {});
    // Until its connection is ready the Redis store answers every lookup with a miss.
    if (redisUrl) await waitFor(() => gw.plane.cacheStores.redisStore().redis.status === 'ready', 5000, 'Redis');
  });

  afterAll(async () => {
    await gw?.close();
    await origin?.close();
    if (redisUrl) {
      const r = new Redis(redisUrl);
      await deleteByPrefix(r, prefix);
      r.disconnect();
    }
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> => send(`${gw.url}${path}`, { method, headers });

  it('serves a fresh response from the cache: MISS, then HIT with Age, one origin request', async () => {
    origin.on('/d/fresh', (_r, n) => ({ headers: { 'cache-control': 'max-age=60', etag: '"v1"' }, body: `body-${n}` }));
    const first = await get('/d/fresh');
    expect(first.status).toBe(200);
    expect(first.headers['x-gantry-cache']).toBe('MISS');
    const second = await get('/d/fresh');
    expect(second.headers['x-gantry-cache']).toBe('HIT');
    expect(second.text).toBe('body-1');
    expect(second.headers['age']).toMatch(/^\d+$/);
    expect(second.headers['etag']).toBe('"v1"');
    expect(second.headers['content-length']).toBe('6');
    expect(second.headers['x-request-id']).toBeTruthy();
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(origin.hits('/d/fresh')).toBe(1);
  });

  it('reports what the cache did on the gantry:call event', async () => {
    origin.on('/d/event', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'e' }));
    const events: CallEvent[] = [];
    const listen = (e: unknown): void => void events.push(e as CallEvent);
    callChannel.subscribe(listen);
    try {
      const miss = await get('/d/event');
      const hit = await get('/d/event');
      await waitFor(() => events.some((e) => e.requestId === hit.headers['x-request-id']), 3000, 'the call events');
      const statusOf = (r: Reply) => events.find((e) => e.requestId === r.headers['x-request-id'])?.cacheStatus;
      expect([statusOf(miss), statusOf(hit)]).toEqual(['MISS', 'HIT']);
    } finally {
      callChannel.unsubscribe(listen);
    }
  });

  it('answers HEAD from a stored GET, with its headers and no body', async () => {
    origin.on('/d/head', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'twelve bytes' }));
    await get('/d/head');
    const head = await get('/d/head', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['x-gantry-cache']).toBe('HIT');
    expect(head.headers['content-length']).toBe('12');
    expect(head.text).toBe('');
    expect(origin.hits('/d/head')).toBe(1);
  });

  it('never stores no-store, private or Set-Cookie responses', async () => {
    origin.on('/d/no-store', () => ({ headers: { 'cache-control': 'no-store, max-age=60' }, body: 'x' }));
    origin.on('/d/private', () => ({ headers: { 'cache-control': 'private, max-age=60' }, body: 'x' }));
    origin.on('/d/cookie', () => ({ headers: { 'cache-control': 'max-age=60', 'set-cookie': 'sid=secret' }, body: 'x' }));
    for (const path of ['/d/no-store', '/d/private', '/d/cookie']) {
      expect((await get(path)).headers['x-gantry-cache']).toBe('MISS');
      expect((await get(path)).headers['x-gantry-cache']).toBe('MISS');
      expect(origin.hits(path)).toBe(2);
    }
  });

  it('does not store a response to a request with Cache-Control: no-store', async () => {
    origin.on('/d/req-no-store', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'x' }));
    await get('/d/req-no-store', { 'cache-control': 'no-store' });
    expect((await get('/d/req-no-store')).headers['x-gantry-cache']).toBe('MISS');
    expect(origin.hits('/d/req-no-store')).toBe(2);
  });

  it('revalidates with the origin when the client asks (no-cache): 304 merged, REVALIDATED', async () => {
    origin.on('/d/reval', (req, n) =>
      n > 1 && req.headers['if-none-match'] === '"e1"'
        ? { status: 304, headers: { etag: '"e1"', 'cache-control': 'max-age=120', 'x-fresh': 'yes' } }
        : { headers: { 'cache-control': 'max-age=60', etag: '"e1"' }, body: 'original' },
    );
    await get('/d/reval');
    const r = await get('/d/reval', { 'cache-control': 'no-cache', 'if-none-match': '"other"' });
    expect(r.status).toBe(200);
    expect(r.headers['x-gantry-cache']).toBe('REVALIDATED');
    expect(r.text).toBe('original');
    expect(r.headers['cache-control']).toBe('max-age=120');
    expect(r.headers['x-fresh']).toBe('yes');
    // The origin saw the cache's validator, not the client's.
    expect(origin.requests.filter((q) => q.url === '/d/reval').at(-1)!.headers['if-none-match']).toBe('"e1"');
    expect((await get('/d/reval')).headers['x-gantry-cache']).toBe('HIT');
  });

  it('drops a stale entry the origin replaces with a response it may not keep', async () => {
    origin.on('/d/now-private', (_r, n) =>
      n === 1 ? { headers: { 'cache-control': 'max-age=10', etag: '"p1"', age: '30' }, body: 'shared' } : { headers: { 'cache-control': 'private' }, body: `mine-${n}` },
    );
    await get('/d/now-private');
    expect((await get('/d/now-private')).text).toBe('mine-2');
    // Not revalidated any more: a plain miss, no validator sent.
    expect((await get('/d/now-private')).text).toBe('mine-3');
    expect(origin.requests.filter((q) => q.url === '/d/now-private').at(-1)!.headers['if-none-match']).toBeUndefined();
  });

  it('revalidates a stored no-cache response on every use', async () => {
    origin.on('/d/no-cache', (req) =>
      req.headers['if-none-match'] === '"n1"' ? { status: 304, headers: { etag: '"n1"' } } : { headers: { 'cache-control': 'no-cache', etag: '"n1"' }, body: 'nc' },
    );
    expect((await get('/d/no-cache')).headers['x-gantry-cache']).toBe('MISS');
    const again = await get('/d/no-cache');
    expect(again.headers['x-gantry-cache']).toBe('REVALIDATED');
    expect(again.text).toBe('nc');
    expect(origin.hits('/d/no-cache')).toBe(2);
  });

  it("answers a client's own conditional request 304 from the cache", async () => {
    origin.on('/d/cond', () => ({ headers: { 'cache-control': 'max-age=60', etag: '"c1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, body: 'c' }));
    await get('/d/cond');
    const byEtag = await get('/d/cond', { 'if-none-match': 'W/"c1"' });
    expect(byEtag.status).toBe(304);
    expect(byEtag.headers['x-gantry-cache']).toBe('HIT');
    expect(byEtag.headers['etag']).toBe('"c1"');
    expect(byEtag.text).toBe('');
    const byDate = await get('/d/cond', { 'if-modified-since': 'Tue, 02 Jan 2024 00:00:00 GMT' });
    expect(byDate.status).toBe(304);
    const changed = await get('/d/cond', { 'if-none-match': '"other"' });
    expect(changed.status).toBe(200);
    expect(origin.hits('/d/cond')).toBe(1);
  });

  it('keeps one entry per Vary variant', async () => {
    origin.on('/d/vary', (req) => ({ headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' }, body: `lang=${req.headers['accept-language']}` }));
    expect((await get('/d/vary', { 'accept-language': 'en' })).text).toBe('lang=en');
    expect((await get('/d/vary', { 'accept-language': 'fr' })).text).toBe('lang=fr');
    const en = await get('/d/vary', { 'accept-language': 'en' });
    const fr = await get('/d/vary', { 'accept-language': 'fr' });
    expect([en.headers['x-gantry-cache'], en.text]).toEqual(['HIT', 'lang=en']);
    expect([fr.headers['x-gantry-cache'], fr.text]).toEqual(['HIT', 'lang=fr']);
    expect(origin.hits('/d/vary')).toBe(2);
  });

  it('serves STALE within stale-while-revalidate and refreshes once in the background', async () => {
    origin.on('/d/swr', (_r, n) => ({
      headers: { 'cache-control': 'max-age=10, stale-while-revalidate=600', ...(n === 1 ? { age: '30' } : {}) },
      body: `v${n}`,
    }));
    expect((await get('/d/swr')).headers['x-gantry-cache']).toBe('MISS');
    const stale = await get('/d/swr');
    expect([stale.headers['x-gantry-cache'], stale.text]).toEqual(['STALE', 'v1']);
    await waitFor(() => origin.hits('/d/swr') === 2, 5000, 'the background refresh');
    const fresh = await waitFor(async () => {
      const r = await get('/d/swr');
      return r.text === 'v2' ? r : null;
    });
    expect(fresh!.headers["x-gantry-cache"]).toBe("HIT");
    expect(origin.hits('/d/swr')).toBe(2);
  });

  it('serves STALE under stale-if-error when the origin answers 5xx or cannot be reached', async () => {
    let mode: 'ok' | 'error' | 'drop' = 'ok';
    origin.on('/d/sie', () =>
      mode === 'error'
        ? { status: 503, body: 'down' }
        : mode === 'drop'
          ? { drop: true }
          : { headers: { 'cache-control': 'max-age=10, stale-if-error=600', age: '30' }, body: 'kept' },
    );
    await get('/d/sie');
    mode = 'error';
    const on5xx = await get('/d/sie');
    expect([on5xx.status, on5xx.headers['x-gantry-cache'], on5xx.text]).toEqual([200, 'STALE', 'kept']);
    mode = 'drop';
    const onDrop = await get('/d/sie');
    expect([onDrop.status, onDrop.headers['x-gantry-cache'], onDrop.text]).toEqual([200, 'STALE', 'kept']);
  });

  it('passes origin errors through for must-revalidate entries', async () => {
    let fail = false;
    origin.on('/d/must', () => (fail ? { status: 500, body: 'boom' } : { headers: { 'cache-control': 'max-age=10, must-revalidate, stale-if-error=600', age: '30' }, body: 'x' }));
    await get('/d/must');
    fail = true;
    const r = await get('/d/must');
    expect(r.status).toBe(500);
    expect(r.text).toBe('boom');
    expect(r.headers['x-gantry-cache']).toBe('MISS');
  });

  it('does not answer a request with Authorization from the shared cache unless the response allows it', async () => {
    origin.on('/d/auth', (_r, n) => ({ headers: { 'cache-control': 'max-age=60' }, body: `a${n}` }));
    origin.on('/d/auth-public', (_r, n) => ({ headers: { 'cache-control': 'public, max-age=60' }, body: `p${n}` }));
    await get('/d/auth', { authorization: 'Bearer one' });
    expect((await get('/d/auth', { authorization: 'Bearer two' })).text).toBe('a2');
    expect(origin.hits('/d/auth')).toBe(2);
    await get('/d/auth-public', { authorization: 'Bearer one' });
    const shared = await get('/d/auth-public', { authorization: 'Bearer two' });
    expect([shared.headers['x-gantry-cache'], shared.text]).toEqual(['HIT', 'p1']);
  });

  it('invalidates a URL when an unsafe method on it succeeds (RFC 9111 §4.4)', async () => {
    origin.on('/d/item', (req, n) => (req.method === 'GET' ? { headers: { 'cache-control': 'max-age=60' }, body: `item-${n}` } : { status: 204 }));
    await get('/d/item');
    expect((await get('/d/item')).headers['x-gantry-cache']).toBe('HIT');
    const put = await send(`${gw.url}/d/item`, { method: 'PUT', body: 'new' });
    expect(put.headers['x-gantry-cache']).toBe('BYPASS');
    await waitFor(async () => (await get('/d/item')).headers['x-gantry-cache'] === 'MISS', 3000, 'the invalidation');
  });

  it('coalesces concurrent misses into one origin request', async () => {
    const gate = deferred();
    origin.on('/d/coalesce', () => ({ headers: { 'cache-control': 'max-age=60' }, hold: gate.promise, body: 'shared' }));
    const replies = Array.from({ length: 6 }, () => get('/d/coalesce'));
    await waitFor(() => origin.hits('/d/coalesce') === 1, 3000, 'the leader');
    gate.release();
    const all = await Promise.all(replies);
    expect(all.map((r) => r.text)).toEqual(Array(6).fill('shared'));
    expect(all.filter((r) => r.headers['x-gantry-cache'] === 'MISS')).toHaveLength(1);
    expect(origin.hits('/d/coalesce')).toBe(1);
  });

  it('coalesces concurrent revalidations of a stale entry into one conditional request', async () => {
    const gate = deferred();
    origin.on('/d/coalesce-reval', (req, n) =>
      n === 1
        ? { headers: { 'cache-control': 'max-age=10', etag: '"r1"', age: '30' }, body: 'validated' }
        : { status: 304, headers: { etag: '"r1"', 'cache-control': 'max-age=60' }, before: req.headers['if-none-match'] === '"r1"' ? gate.promise : undefined },
    );
    await get('/d/coalesce-reval');
    const replies = Array.from({ length: 5 }, () => get('/d/coalesce-reval'));
    await waitFor(() => origin.hits('/d/coalesce-reval') === 2, 3000, 'the revalidation');
    gate.release();
    const all = await Promise.all(replies);
    expect(all.map((r) => [r.status, r.text])).toEqual(Array(5).fill([200, 'validated']));
    expect(all.filter((r) => r.headers['x-gantry-cache'] === 'REVALIDATED')).toHaveLength(1);
    expect(all.filter((r) => r.headers['x-gantry-cache'] === 'HIT')).toHaveLength(4);
    expect(origin.hits('/d/coalesce-reval')).toBe(2);
  });

  it('has waiters handed an already stale entry revalidate it once, together', async () => {
    const body = deferred();
    const validated = deferred();
    origin.on('/d/coalesce-stale', (_r, n) =>
      n === 1
        ? { headers: { 'cache-control': 'max-age=10', etag: '"z1"', age: '30' }, hold: body.promise, body: 'z' }
        : { status: 304, headers: { etag: '"z1"', 'cache-control': 'max-age=60' }, before: validated.promise },
    );
    const replies = Array.from({ length: 5 }, () => get('/d/coalesce-stale'));
    await waitFor(() => origin.hits('/d/coalesce-stale') === 1, 3000, 'the miss');
    body.release();
    await waitFor(() => origin.hits('/d/coalesce-stale') === 2, 3000, 'the revalidation');
    validated.release();
    const all = await Promise.all(replies);
    expect(all.map((r) => [r.status, r.text])).toEqual(Array(5).fill([200, 'z']));
    expect(all.map((r) => r.headers['x-gantry-cache']).sort()).toEqual(['HIT', 'HIT', 'HIT', 'MISS', 'REVALIDATED']);
    expect(origin.hits('/d/coalesce-stale')).toBe(2);
  });

  it('lets no waiter whose client left lead the next fetch for the key (it would never finish it)', async () => {
    const gate = deferred();
    origin.on('/d/left', (_r, n) =>
      n === 1
        ? { headers: { 'cache-control': 'max-age=60', etag: '"l1"' }, body: 'left' }
        : { status: 304, headers: { etag: '"l1"', 'cache-control': 'max-age=60' }, before: n === 2 ? gate.promise : undefined },
    );
    await get('/d/left');
    const stats = () => gw.plane.cacheStores.coalesceStats();
    const leader = get('/d/left', { 'cache-control': 'no-cache' });
    await waitFor(() => origin.hits('/d/left') === 2, 3000, 'the revalidation');
    // A second revalidation joins the first one, and its client leaves while it waits.
    const joined = stats().joined;
    const closed = new Promise<void>((resolve) => {
      const listen = (e: unknown): void => {
        if ((e as CallEvent).status !== 499 || (e as CallEvent).path !== '/d/left') return;
        callChannel.unsubscribe(listen);
        resolve();
      };
      callChannel.subscribe(listen);
    });
    const abort = new AbortController();
    const { request } = await import('undici');
    const waiter = request(`${gw.url}/d/left`, { headers: { 'cache-control': 'no-cache' }, signal: abort.signal }).catch(() => null);
    await waitFor(() => stats().joined > joined, 3000, 'the waiter to join');
    abort.abort();
    await waiter;
    await closed;
    gate.release();
    expect((await leader).headers['x-gantry-cache']).toBe('REVALIDATED');
    // Handed the revalidated entry, the waiter (no-cache) would revalidate again: not for a client that left.
    await waitFor(() => stats().inFlight === 0, 3000, 'no fetch left in flight');
    const next = await get('/d/left', { 'cache-control': 'no-cache' });
    expect([next.status, next.headers['x-gantry-cache']]).toEqual([200, 'REVALIDATED']);
  });

  it('sends waiters upstream themselves when the coalesced answer may not be stored', async () => {
    const gate = deferred();
    origin.on('/d/coalesce-private', (_r, n) => ({ headers: { 'cache-control': 'private' }, hold: n === 1 ? gate.promise : undefined, body: `own-${n}` }));
    const replies = Array.from({ length: 4 }, () => get('/d/coalesce-private'));
    // The leader's headers say `private`: the waiters are released then, before its body.
    await waitFor(() => origin.hits('/d/coalesce-private') >= 1, 3000, 'the leader');
    gate.release();
    const all = await Promise.all(replies);
    expect(all.every((r) => r.status === 200 && r.text.startsWith('own-'))).toBe(true);
    expect(new Set(all.map((r) => r.text)).size).toBe(4);
    expect(origin.hits('/d/coalesce-private')).toBe(4);
  });

  it('streams the body to the client while collecting it for the store', async () => {
    const second = deferred();
    origin.on('/d/stream', () => ({ headers: { 'cache-control': 'max-age=60' }, chunks: [{ data: 'first;' }, { data: 'second', after: second.promise }] }));
    const { request } = await import('undici');
    const res = await request(`${gw.url}/d/stream`);
    const reader = res.body[Symbol.asyncIterator]();
    const chunk = await reader.next();
    expect(Buffer.from(chunk.value as Buffer).toString()).toBe('first;');
    second.release();
    let rest = '';
    for (let c = await reader.next(); !c.done; c = await reader.next()) rest += Buffer.from(c.value as Buffer).toString();
    expect(rest).toBe('second');
    const hit = await waitFor(async () => {
      const r = await get('/d/stream');
      return r.headers['x-gantry-cache'] === 'HIT' ? r : null;
    });
    expect(hit!.text).toBe("first;second");
  });

  it('streams but does not store a response larger than max_entry_bytes', async () => {
    const big = 'x'.repeat(5000);
    origin.on('/small/big', () => ({ headers: { 'cache-control': 'max-age=60' }, chunks: [{ data: big.slice(0, 2500) }, { data: big.slice(2500) }] }));
    for (let i = 0; i < 2; i++) {
      const r = await get('/small/big');
      expect(r.text).toBe(big);
      expect(r.headers['x-gantry-cache']).toBe('MISS');
    }
    expect(origin.hits('/small/big')).toBe(2);
  });

  it('gives responses without freshness the default TTL, and only then', async () => {
    origin.on('/ttl/plain', (_r, n) => ({ body: `t${n}` }));
    origin.on('/d/plain', (_r, n) => ({ body: `t${n}` }));
    await get('/ttl/plain');
    expect((await get('/ttl/plain')).headers['x-gantry-cache']).toBe('HIT');
    await get('/d/plain');
    expect((await get('/d/plain')).headers['x-gantry-cache']).toBe('MISS');
  });

  it('stores only the configured statuses', async () => {
    origin.on('/s/gone', () => ({ status: 404, headers: { 'cache-control': 'max-age=60' }, body: 'nope' }));
    await get('/s/gone');
    expect((await get('/s/gone')).headers['x-gantry-cache']).toBe('MISS');
    origin.on('/d/gone', () => ({ status: 404, headers: { 'cache-control': 'max-age=60' }, body: 'nope' }));
    await get('/d/gone');
    const hit = await get('/d/gone');
    expect([hit.status, hit.headers['x-gantry-cache']]).toEqual([404, 'HIT']);
  });

  it('normalizes the query: order does not matter, ignored parameters do not split entries', async () => {
    origin.on('/q/list', (_r, n) => ({ headers: { 'cache-control': 'max-age=60' }, body: `l${n}` }));
    await get('/q/list?b=2&a=1&utm_source=x');
    const same = await get('/q/list?a=1&b=2');
    expect([same.headers['x-gantry-cache'], same.text]).toEqual(['HIT', 'l1']);
    expect((await get('/q/list?a=1&b=3')).headers['x-gantry-cache']).toBe('MISS');
  });

  it('removes the surrogate key header from responses, stored or not', async () => {
    origin.on('/d/tagged', () => ({ headers: { 'cache-control': 'max-age=60', 'surrogate-key': 'products p-1' }, body: 't' }));
    const miss = await get('/d/tagged');
    const hit = await get('/d/tagged');
    expect(miss.headers['surrogate-key']).toBeUndefined();
    expect(hit.headers['surrogate-key']).toBeUndefined();
    expect(hit.headers['x-gantry-cache']).toBe('HIT');
  });

  it('answers only-if-cached without a stored response with 504', async () => {
    const r = await get('/d/never-seen', { 'cache-control': 'only-if-cached' });
    expectGantryError(r, 504, 'GANTRY_ERR_NOT_CACHED');
    expect(r.headers['x-gantry-cache']).toBe('MISS');
    expect(origin.hits('/d/never-seen')).toBe(0);
  });

  it('marks requests it does not cache BYPASS, and leaves routes without the policy alone', async () => {
    origin.on('/d/post', () => ({ status: 201, headers: { 'surrogate-key': 'made' }, body: 'made' }));
    const post = await send(`${gw.url}/d/post`, { method: 'POST', body: '{}' });
    expect([post.status, post.headers['x-gantry-cache'], post.headers['surrogate-key']]).toEqual([201, 'BYPASS', undefined]);
    origin.on('/none/x', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'n' }));
    expect((await get('/none/x')).headers['x-gantry-cache']).toBeUndefined();
    expect((await get('/none/x')).headers['x-gantry-cache']).toBeUndefined();
    expect(origin.hits('/none/x')).toBe(2);
  });
}

describe('cache policy (memory store)', () => {
  cacheBehaviour('memory');
});

describe('cache policy around its store and service', () => {
  it('treats an unreachable Redis as a miss, never an error, and reports it on purge', async () => {
    const origin = await startOrigin();
    const gw = await startGateway(cacheConfig(origin, 'redis'), { rateLimitRedis: { url: `redis://127.0.0.1:${await closedPort()}`, prefix: 'unreachable' } });
    try {
      origin.on('/d/x', (_r, n) => ({ headers: { 'cache-control': 'max-age=60' }, body: `x${n}` }));
      for (const expected of ['x1', 'x2']) {
        const r = await send(`${gw.url}/d/x`);
        expect([r.status, r.headers['x-gantry-cache'], r.text]).toEqual([200, 'MISS', expected]);
      }
      await expect(gw.plane.purgeCache(['route:rt_d'], { redis: true })).rejects.toThrow();
      expect(gw.logger.errors).toEqual([]);
    } finally {
      await gw.close();
      await origin.close();
    }
  });

  it('keeps the memory store within the node bound (cacheMaxBytes), evicting the least recently used', async () => {
    const origin = await startOrigin();
    const gw = await startGateway(cacheConfig(origin, 'memory'), { cacheMaxBytes: 64 * 1024 });
    try {
      origin.on('/d/page', (req) => ({ headers: { 'cache-control': 'max-age=60' }, body: `${req.url}`.padEnd(4000, '.') }));
      for (let i = 0; i < 40; i++) expect((await send(`${gw.url}/d/page?i=${i}`)).status).toBe(200);
      const stats = gw.plane.cacheStores.memory.stats();
      expect(stats.bytes!).toBeLessThanOrEqual(64 * 1024);
      expect(stats.evictions).toBeGreaterThan(0);
      expect((await send(`${gw.url}/d/page?i=39`)).headers['x-gantry-cache']).toBe('HIT');
      expect((await send(`${gw.url}/d/page?i=0`)).headers['x-gantry-cache']).toBe('MISS');
    } finally {
      await gw.close();
      await origin.close();
    }
  });

  it("leaves out of a hit the stored lines the route's policies replace, as they are configured now", async () => {
    const origin = await startOrigin();
    const build = (version: number, cors: boolean): ConfigData => {
      const c = config().upstream('ups', [origin.url]).service('svc', 'ups').route('rt_d', 'svc', ['/d/*']).policy('pol_d', 'cache', 'route', 'rt_d', { store: 'memory' });
      if (cors) c.policy('pol_cors', 'cors', 'route', 'rt_d', { origins: ['https://app.example'] });
      return c.version(version).build();
    };
    const gw = await startGateway(build(1, false));
    try {
      origin.on('/d/cors', () => ({ headers: { 'cache-control': 'max-age=60', 'access-control-allow-origin': '*' }, body: 'c' }));
      const get = () => send(`${gw.url}/d/cors`, { headers: { origin: 'https://app.example' } });
      expect((await get()).headers['x-gantry-cache']).toBe('MISS');
      const allowOrigin = async () => {
        const r = await get();
        expect(r.headers['x-gantry-cache']).toBe('HIT');
        return r.headers['access-control-allow-origin'];
      };
      expect(await allowOrigin()).toBe('*');
      gw.plane.applyConfig(build(2, true));
      expect(await allowOrigin()).toBe('https://app.example');
      expect(await allowOrigin()).toBe('https://app.example');
      gw.plane.applyConfig(build(3, false));
      expect(await allowOrigin()).toBe('*');
      expect(origin.hits('/d/cors')).toBe(1);
    } finally {
      await gw.close();
      await origin.close();
    }
  });

  it('refuses store redis on a node without Redis, and bad options, with a validation error', () => {
    const origin = { url: 'http://127.0.0.1:9' } as Origin;
    const plane = new DataPlane({ logger: recordingLogger() });
    try {
      expect(() => plane.applyConfig(cacheConfig(origin, 'redis'))).toThrow(/GANTRY_REDIS_URL/);
    } finally {
      void plane.close();
    }
    expect(() => validatePolicyConfig('cache', { store: 'disk' })).toThrow(/store/);
    expect(() => validatePolicyConfig('cache', { methods: ['POST'] })).toThrow(/methods/);
    expect(() => validatePolicyConfig('cache', { key: { headers: ['bad header'] } })).toThrow(/headers/);
    expect(validatePolicyConfig('cache', {})).toMatchObject({ store: 'memory', surrogate_key_header: 'Surrogate-Key', key: { query: 'all', host: true } });
  });

  it('does nothing on routes of AI services (the ai-cache policy caches those)', async () => {
    const cfg = new AiConfig(newBox());
    cfg.data.policies.push({ ...cfg.data.policies[0]!, id: 'pol_cache', name: 'cache', type: 'cache', config: {} });
    const gw = await startAi(cfg);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await send(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${AI_KEY}` } });
        expect(r.status).toBe(200);
        expect(r.headers['x-gantry-cache']).toBeUndefined();
      }
    } finally {
      await gw.close();
    }
  });
});

describeRedis('cache policy (Redis store)', (url) => {
  cacheBehaviour('redis', url);
});
