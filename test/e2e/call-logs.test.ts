/**
 * Call logging through a whole node: calls proxied by the data plane are recorded with their fields,
 * captured bodies are redacted, the query and analytics APIs answer (team-scoped), W3C trace
 * context goes upstream, and closing the node writes every accepted record.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenaiFixture, type ProviderFixture } from '../fixtures/providers/openai.js';
import { startTestGantry, type TestGantry } from '../helpers/gantry.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';

interface Echo {
  url: string;
  server: http.Server;
  /** Headers of every request received, in order. */
  seen: http.IncomingHttpHeaders[];
}

/** Answers JSON with the request's path, body and the trace headers it got. */
async function echoUpstream(): Promise<Echo> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/gzip')) {
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(JSON.stringify({ email: 'zip@example.com' })));
        return;
      }
      if (req.url?.startsWith('/big')) {
        res.setHeader('content-type', 'text/plain');
        res.end('x'.repeat(100_000));
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', 'session=upstream-secret');
      res.statusCode = req.url?.startsWith('/fail') ? 503 : 200;
      res.end(JSON.stringify({ path: req.url, received: body.length, contact: 'ops@example.com', traceparent: req.headers.traceparent ?? null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function asToken(g: TestGantry, token: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${g.adminUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

interface Database {
  url?: string;
  drop(): Promise<void>;
}

const pgUrl = postgresTestUrl();
const databases: Array<[string, (() => Promise<Database>) | null]> = [
  ['SQLite', async () => ({ drop: async () => {} })],
  ['PostgreSQL', pgUrl ? () => createTempDatabase(pgUrl) : null],
];

describe.each(databases)('call logging through a node (%s)', (_name, database) => {
  if (database === null) {
    it.skip('needs GANTRY_TEST_POSTGRES_URL', () => {});
    return;
  }
  let db: Database;
  let g: TestGantry;
  let echo: Echo;
  let fx: ProviderFixture;
  let svcId: string;
  let routeId: string;
  let plainRouteId: string;
  let otherTeamRouteId: string;
  let appId: string;
  let apiKey: string;
  let otherTeamId: string;
  let otherToken: string;
  /** Records that reach the store before the test asks. */
  const calls = (query = '') =>
    g.api('GET', `/calls${query}`).then((r) => {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as { data: any[]; next_cursor: string | null };
    });
  const waitForCalls = (query: string, count: number) =>
    until(`${count} calls for ${query}`, async () => {
      const page = await calls(`${query}${query.includes('?') ? '&' : '?'}limit=500`);
      return page.data.length >= count ? page.data : undefined;
    });

  beforeAll(async () => {
    db = await database();
    g = await startTestGantry(db.url ? { databaseUrl: db.url } : {});
    echo = await echoUpstream();
    fx = await startOpenaiFixture();
    const ups = await g.api('POST', '/upstreams', { name: 'echo', targets: [{ url: echo.url }] });
    const svc = await g.api('POST', '/services', { name: 'shop', upstream_id: ups.body.id });
    svcId = svc.body.id;
    const route = await g.api('POST', '/routes', { name: 'orders', service_id: svcId, paths: ['/shop/*'], strip_prefix: true });
    routeId = route.body.id;
    const plain = await g.api('POST', '/routes', { name: 'plain', service_id: svcId, paths: ['/plain/*'], strip_prefix: true });
    plainRouteId = plain.body.id;
    const tight = await g.api('POST', '/routes', { name: 'tight', service_id: svcId, paths: ['/tight/*'], strip_prefix: true });
    expect((await g.api('POST', '/policies', { type: 'rate-limit', scope: 'route', target_id: tight.body.id, config: { limit: 1, per: 'hour', by: 'ip' } })).status).toBe(201);
    const app = await g.api('POST', '/apps', { name: 'web' });
    appId = app.body.id;
    apiKey = (await g.api('POST', `/apps/${appId}/keys`, { name: 'k' })).body.key;
    for (const [type, config] of [
      ['key-auth', {}],
      ['rate-limit', { limit: 1000, per: 'minute' }],
      [
        'call-log',
        {
          capture_bodies: true,
          capture_headers: true,
          max_body_bytes: 2048,
          redact: { patterns: ['order-\\d+'], json_paths: ['$.password'] },
        },
      ],
    ] as const) {
      const p = await g.api('POST', '/policies', { type, scope: 'route', target_id: routeId, config });
      expect(p.status, JSON.stringify(p.body)).toBe(201);
    }

    // Another team with a route of its own and a viewer token.
    const team = await g.api('POST', '/teams', { name: 'other' });
    otherTeamId = team.body.id;
    const ups2 = await g.api('POST', '/upstreams', { name: 'echo2', team_id: otherTeamId, targets: [{ url: echo.url }] });
    const svc2 = await g.api('POST', '/services', { name: 'other-svc', team_id: otherTeamId, upstream_id: ups2.body.id });
    const r2 = await g.api('POST', '/routes', { name: 'other', service_id: svc2.body.id, paths: ['/other/*'], strip_prefix: true });
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    otherTeamRouteId = r2.body.id;
    const tok = await g.api('POST', '/admin-tokens', { name: 'viewer', role: 'team_viewer', team_id: otherTeamId });
    expect(tok.status, JSON.stringify(tok.body)).toBe(201);
    otherToken = tok.body.token;

    // An AI service with a capturing call-log policy.
    const oa = await g.api('POST', '/ai/providers', { name: 'oa', kind: 'openai-compatible', base_url: `${fx.url}/v1` });
    expect((await g.api('POST', `/ai/providers/${oa.body.id}/keys`, { name: 'good', secret: 'sk-fixture' })).status).toBe(201);
    const ai = await g.api('POST', '/services', { name: 'llm', kind: 'ai' });
    const aiRoute = await g.api('POST', '/routes', { name: 'llm', service_id: ai.body.id, paths: ['/v1/*'] });
    expect(aiRoute.status).toBe(201);
    expect((await g.api('POST', '/policies', { type: 'call-log', scope: 'service', target_id: ai.body.id, config: { capture_bodies: true, capture_headers: true } })).status).toBe(201);
    expect((await g.api('POST', '/policies', { type: 'ai-cache', scope: 'service', target_id: ai.body.id, config: { share: 'service' } })).status).toBe(201);
  });

  afterAll(async () => {
    await g?.stop();
    await db?.drop();
    echo?.server.close();
    await fx?.close();
  });

  it('records a proxied call with its fields, rate-limit outcome and trace id, and its bodies redacted', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await fetch(`${g.dataUrl}/shop/orders?email=ann@example.com&q=1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        traceparent: incoming,
        tracestate: 'vendor=abc',
        'x-request-id': 'rec-1',
      },
      body: JSON.stringify({ password: 'hunter2', card: '4111 1111 1111 1111', note: 'order-12345', email: 'bob@example.com' }),
    });
    expect(res.status).toBe(200);
    const echoed = (await res.json()) as { traceparent: string };

    // Continued trace: same trace id and flags, a new parent id (Gantry's span); tracestate kept.
    const sent = echo.seen.at(-1)!;
    expect(echoed.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(echoed.traceparent).not.toBe(incoming);
    expect(sent.tracestate).toBe('vendor=abc');

    const [call] = await waitForCalls('?request_id=rec-1', 1);
    expect(call).toMatchObject({
      request_id: 'rec-1',
      method: 'POST',
      path: '/shop/orders',
      status: 200,
      service_id: svcId,
      route_id: routeId,
      app_id: appId,
      rate_limit: 'allowed',
      cache_status: null,
      error_code: null,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      upstream_status: 200,
    });
    expect(call.query).not.toContain('ann@example.com');
    expect(call.latency_total_ms).toBeGreaterThan(0);

    const detail = await g.api('GET', `/calls/${call.id}`);
    expect(detail.status).toBe(200);
    const b = detail.body.bodies;
    expect(b).not.toBeNull();
    const stored = JSON.stringify(detail.body);
    // The client's key and the upstream's cookie are never stored; the request body is redacted.
    expect(stored).not.toContain(apiKey);
    expect(stored).not.toContain('upstream-secret');
    expect(b.request_headers.authorization).toBeUndefined();
    expect(b.request_headers['content-type']).toBe('application/json');
    expect(b.response_headers['content-type']).toBe('application/json');
    expect(b.request_body).not.toContain('hunter2');
    expect(b.request_body).not.toContain('4111 1111 1111 1111');
    expect(b.request_body).not.toContain('order-12345');
    expect(b.request_body).not.toContain('bob@example.com');
    expect(JSON.parse(b.request_body)).toHaveProperty('password');
    // The response body as the client got it, redacted the same way.
    expect(b.response_body).toContain('"path":"/orders?email=');
    expect(b.response_body).not.toContain('ops@example.com');
    expect(b.truncated).toBe(false);
  });

  it('records the rate-limit outcome: allowed, then limited', async () => {
    expect((await fetch(`${g.dataUrl}/tight/a`, { headers: { 'x-request-id': 'rl-1' } })).status).toBe(200);
    expect((await fetch(`${g.dataUrl}/tight/a`, { headers: { 'x-request-id': 'rl-2' } })).status).toBe(429);
    const [allowed] = await waitForCalls('?request_id=rl-1', 1);
    const [limited] = await waitForCalls('?request_id=rl-2', 1);
    expect(allowed).toMatchObject({ rate_limit: 'allowed', status: 200 });
    expect(limited).toMatchObject({ rate_limit: 'limited', status: 429, error_code: 'GANTRY_ERR_RATE_LIMITED', upstream_status: null });
    const top = await g.api('GET', '/analytics/series?resolution=day&metrics=rate_limited');
    expect(top.body.points.at(-1).values.rate_limited).toBe(1);
  });

  it('starts a new trace when none or an invalid one comes in', async () => {
    for (const [id, header] of [
      ['trace-none', undefined],
      ['trace-bad', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
      ['trace-ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ] as const) {
      const headers: Record<string, string> = { 'x-request-id': id, tracestate: 'dropped=1' };
      if (header !== undefined) headers.traceparent = header;
      const res = await fetch(`${g.dataUrl}/plain/t`, { headers });
      const body = (await res.json()) as { traceparent: string };
      expect(body.traceparent, id).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(body.traceparent.slice(3, 35), id).not.toBe('00000000000000000000000000000000');
      expect(body.traceparent.slice(3, 35), id).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(echo.seen.at(-1)!.tracestate, id).toBeUndefined();
      const [call] = await waitForCalls(`?request_id=${id}`, 1);
      expect(call.trace_id).toBe(body.traceparent.slice(3, 35));
    }
  });

  it('keeps only max_body_bytes of a body, and records calls refused by a policy', async () => {
    const big = await fetch(`${g.dataUrl}/shop/big`, { headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': 'big-1' } });
    expect((await big.text()).length).toBe(100_000);
    const refused = await fetch(`${g.dataUrl}/shop/orders`, { method: 'POST', body: 'anonymous', headers: { 'x-request-id': 'anon-1', 'content-type': 'text/plain' } });
    expect(refused.status).toBe(401);

    const [bigCall] = await waitForCalls('?request_id=big-1', 1);
    const bigDetail = (await g.api('GET', `/calls/${bigCall.id}`)).body;
    expect(bigDetail.bytes_out).toBe(100_000);
    expect(bigDetail.bodies.truncated).toBe(true);
    expect(bigDetail.bodies.response_body.length).toBeLessThanOrEqual(2048);

    // Request bodies, framed by length and chunked: the upstream gets every byte, the log keeps the cap.
    const payload = 'y'.repeat(300_000);
    const sized = await fetch(`${g.dataUrl}/shop/upload`, {
      method: 'POST',
      body: payload,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/plain', 'x-request-id': 'up-sized' },
    });
    expect(((await sized.json()) as { received: number }).received).toBe(300_000);
    const chunked = await fetch(`${g.dataUrl}/shop/upload`, {
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 30; i++) c.enqueue(new TextEncoder().encode('z'.repeat(10_000)));
          c.close();
        },
      }),
      duplex: 'half',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/plain', 'x-request-id': 'up-chunked' },
    } as RequestInit);
    expect(((await chunked.json()) as { received: number }).received).toBe(300_000);
    for (const id of ['up-sized', 'up-chunked']) {
      const [up] = await waitForCalls(`?request_id=${id}`, 1);
      const d = (await g.api('GET', `/calls/${up.id}`)).body;
      expect(d.bytes_in, id).toBe(300_000);
      expect(d.bodies.truncated, id).toBe(true);
      expect(d.bodies.request_body, id).toMatch(/^[yz]{2048}$/);
    }

    // A compressed answer cannot be read, so cannot be redacted: a note of it is stored instead.
    const zipped = await fetch(`${g.dataUrl}/shop/gzip`, { headers: { authorization: `Bearer ${apiKey}`, 'accept-encoding': 'gzip', 'x-request-id': 'gz-1' } });
    expect(await zipped.json()).toEqual({ email: 'zip@example.com' });
    const [gz] = await waitForCalls('?request_id=gz-1', 1);
    expect((await g.api('GET', `/calls/${gz.id}`)).body.bodies.response_body).toBe(`[gzip-encoded body: ${gz.bytes_out} bytes]`);

    const [anon] = await waitForCalls('?request_id=anon-1', 1);
    expect(anon).toMatchObject({ status: 401, error_code: 'GANTRY_ERR_UNAUTHORIZED', app_id: null });
    const anonDetail = (await g.api('GET', `/calls/${anon.id}`)).body;
    expect(JSON.parse(anonDetail.bodies.response_body).error.code).toBe('GANTRY_ERR_UNAUTHORIZED');
    expect(anonDetail.bodies.request_body).toBeNull();
    expect(anonDetail.bodies.truncated).toBe(false);
  });

  it('records AI calls with their bodies, never a provider key or the caller’s key', async () => {
    const res = await fetch(`${g.dataUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer client-token-123', 'content-type': 'application/json', 'x-request-id': 'ai-1' },
      body: JSON.stringify({ model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'mail me at eve@example.com' }], stream: true }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('[DONE]');
    // Trace context reached the provider too.
    expect(fx.requests.at(-1)!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const [call] = await waitForCalls('?request_id=ai-1', 1);
    expect(call.ai).toMatchObject({ model_requested: 'oa/gpt-4o-mini', streamed: true });
    expect(call.ai.prompt_tokens).toBeGreaterThan(0);
    const detail = (await g.api('GET', `/calls/${call.id}`)).body;
    const stored = JSON.stringify(detail);
    expect(stored).not.toContain('client-token-123');
    expect(stored).not.toContain('sk-fixture');
    expect(detail.bodies.request_body).toContain('gpt-4o-mini');
    expect(detail.bodies.request_body).not.toContain('eve@example.com');
    expect(detail.bodies.response_body).toContain('data:');
  });

  it('records the cache status of calls on a route with a cache policy, and captures a hit as sent', async () => {
    const ask = (id: string) =>
      fetch(`${g.dataUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'cache me' }] }),
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    const first = await ask('cache-1');
    const second = await ask('cache-2');
    expect(second).toEqual(first);
    const [miss] = await waitForCalls('?request_id=cache-1', 1);
    const [hit] = await waitForCalls('?request_id=cache-2', 1);
    expect(miss.cache_status).toBe('MISS');
    expect(hit.cache_status).toBe('HIT');
    const hitDetail = (await g.api('GET', `/calls/${hit.id}`)).body;
    expect(hitDetail.bodies.response_body).toContain('Hello from the fixture');

    const ratio = await g.api('GET', '/analytics/series?resolution=day&metrics=cache_hits,cache_misses,cache_hit_ratio');
    const day = ratio.body.points.at(-1).values;
    expect(day.cache_hits).toBeGreaterThanOrEqual(1);
    expect(day.cache_hit_ratio).toBeCloseTo(day.cache_hits / (day.cache_hits + day.cache_misses), 6);
  });

  it('filters, pages and scopes the query API', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${g.dataUrl}/plain/page-${i}`, { headers: { 'x-request-id': `page-${i}` } });
      expect(r.status).toBe(200);
    }
    const failed = await fetch(`${g.dataUrl}/plain/fail`, { headers: { 'x-request-id': 'fail-1' } });
    expect(failed.status).toBe(503);
    const other = await fetch(`${g.dataUrl}/other/x`, { headers: { 'x-request-id': 'other-1' } });
    expect(other.status).toBe(200);
    await waitForCalls('?request_id=other-1', 1);
    await waitForCalls('?request_id=fail-1', 1);

    // Path prefix, newest first, two per page.
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await calls(`?path=/plain/page-&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      pages.push(...page.data.map((c) => c.request_id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(pages).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);

    // Text anywhere in the path, status class, route, service, app, time range.
    expect((await calls('?path=AGE-3')).data.map((c) => c.request_id)).toEqual(['page-3']);
    const fives = await calls(`?status_class=5xx&route_id=${plainRouteId}`);
    expect(fives.data.map((c) => c.request_id)).toEqual(['fail-1']);
    expect(fives.data[0].upstream_status).toBe(503);
    expect((await calls(`?app_id=${appId}&status=200`)).data.every((c) => c.app_id === appId && c.status === 200)).toBe(true);
    expect((await calls(`?service_id=${svcId}`)).data.every((c) => c.service_id === svcId)).toBe(true);
    expect((await calls(`?to=${Date.now() - 3_600_000}`)).data).toEqual([]);
    expect((await calls(`?from=${new Date(Date.now() - 3_600_000).toISOString()}&request_id=page-0`)).data).toHaveLength(1);

    // A team token sees its team's calls only; another team's call reads as not found.
    const mine = await asToken(g, otherToken, '/calls?limit=500');
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((c: any) => c.request_id)).toEqual(['other-1']);
    expect(mine.body.data[0].route_id).toBe(otherTeamRouteId);
    const page0 = (await calls('?request_id=page-0')).data[0];
    expect((await asToken(g, otherToken, `/calls/${page0.id}`)).status).toBe(404);
    expect((await asToken(g, otherToken, `/calls?team_id=${page0.team_id}`)).body.data).toEqual([]);
  });

  it('refuses bad queries with GANTRY_ERR_VALIDATION', async () => {
    for (const q of ['/calls?cursor=bm90LWEtY2FsbA', '/calls?status_class=6xx', '/calls?from=yesterday', '/calls?from=2026-02-30', '/calls?limit=0', '/calls?colour=red', '/analytics/series?metrics=nope', '/analytics/series?from=2026-12-04T10:00:00Z&to=2026-12-03T10:00:00Z', '/analytics/top', '/calls/call_nope']) {
      const r = await g.api('GET', q);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('GANTRY_ERR_VALIDATION');
      expect(r.body.error.message.length, q).toBeGreaterThan(5);
    }
    // call-log options are checked when the policy is saved.
    for (const config of [{ redact: { patterns: ['(unclosed'] } }, { max_body_bytes: 10_000_000 }, { redact: { json_paths: ['not-a-path'] } }, { capture: true }]) {
      const r = await g.api('POST', '/policies', { type: 'call-log', scope: 'route', target_id: plainRouteId, config });
      expect(r.status, JSON.stringify(config)).toBe(400);
      expect(r.body.error.code).toBe('GANTRY_ERR_VALIDATION');
    }
    // Too many minute buckets: the store's own check, same code.
    const wide = await g.api('GET', `/analytics/series?resolution=minute&from=0&to=${Date.now()}`);
    expect(wide.status).toBe(400);
    expect(wide.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  });

  it('answers analytics from the rollups: series, top and percentiles, team-scoped', async () => {
    await waitForCalls('?request_id=page-4', 1);
    const all = (await calls('?limit=500')).data.length;
    const series = await g.api('GET', '/analytics/series?resolution=hour');
    expect(series.status, JSON.stringify(series.body)).toBe(200);
    const total = series.body.points.reduce((n: number, p: any) => n + p.values.requests, 0);
    expect(total).toBe(all);
    const point = series.body.points.at(-1);
    expect(Object.keys(point.values)).toEqual(expect.arrayContaining(['requests_4xx', 'requests_5xx', 'latency_p95_ms', 'bytes_out', 'cost_usd', 'cache_hit_ratio']));

    const byRoute = await g.api('GET', `/analytics/series?resolution=minute&metrics=requests,errors&group_by=route&route_id=${plainRouteId}`);
    expect(byRoute.status).toBe(200);
    const plainTotal = byRoute.body.points.reduce((n: number, p: any) => n + p.values.requests, 0);
    expect(plainTotal).toBe((await calls(`?route_id=${plainRouteId}&limit=500`)).data.length);
    expect(byRoute.body.points.every((p: any) => p.group.route === plainRouteId)).toBe(true);

    const top = await g.api('GET', '/analytics/top?dimension=service&limit=3');
    expect(top.status).toBe(200);
    expect(top.body.data[0]).toMatchObject({ key: svcId });
    const errors = await g.api('GET', '/analytics/top?dimension=error_code&error_code=GANTRY_ERR_UNAUTHORIZED');
    expect(errors.body.data).toEqual([{ key: 'GANTRY_ERR_UNAUTHORIZED', value: 1, requests: 1 }]);
    const models = await g.api('GET', '/analytics/top?dimension=model&metric=total_tokens&model=none');
    expect(models.status).toBe(200);

    const pct = await g.api('GET', '/analytics/percentiles?by=service&quantiles=0.5,0.99');
    expect(pct.status).toBe(200);
    const shop = pct.body.data.find((r: any) => r.key === svcId);
    expect(shop.requests).toBeGreaterThan(0);
    expect(shop.latency_ms.p50).toBeGreaterThan(0);
    expect(shop.latency_ms.p99).toBeGreaterThanOrEqual(shop.latency_ms.p50);

    const theirs = await asToken(g, otherToken, '/analytics/top?dimension=team');
    expect(theirs.body.data).toEqual([{ key: otherTeamId, value: 1, requests: 1 }]);
  });

  it('lists the endpoints in the OpenAPI document', async () => {
    const doc = (await g.api('GET', '/openapi.json')).body;
    for (const path of ['/api/v1/calls', '/api/v1/calls/{id}', '/api/v1/analytics/series', '/api/v1/analytics/top', '/api/v1/analytics/percentiles']) {
      expect(doc.paths[path]?.get, path).toBeDefined();
    }
  });
});
