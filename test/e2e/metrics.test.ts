/**
 * GET /metrics on a real node: calls through the data plane move exactly the counters and
 * histograms they should, with route/service/team labels; node state (upstream health, cache stores,
 * rate limiters, configuration) is read at scrape time; a `--role data` node serves /metrics on its
 * admin port; the optional metrics token is enforced.
 *
 * Metrics subscribe to process-wide diagnostics channels, so the data node (same process) starts
 * only after the exact-count checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenaiFixture, type ProviderFixture } from '../fixtures/providers/openai.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { startTestGantry, type TestGantry } from '../helpers/gantry.js';
import { parseExposition, scrape, type Exposition } from '../helpers/prometheus.js';

const METRICS_TOKEN = 'metrics-token-' + 'x'.repeat(24);

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('GET /metrics on a node', () => {
  let g: TestGantry;
  let up: UpstreamFixture;
  let fx: ProviderFixture;
  let apiKey: string;
  const api = { team: 'default', service: 'svc', route: 'api' };

  beforeAll(async () => {
    g = await startTestGantry();
    up = await startUpstream('a');
    fx = await startOpenaiFixture();
    const ups = await g.api('POST', '/upstreams', { name: 'pool', targets: [{ url: up.url }] });
    const svc = await g.api('POST', '/services', { name: 'svc', upstream_id: ups.body.id });
    expect((await g.api('POST', '/routes', { name: 'api', service_id: svc.body.id, paths: ['/api/*'], strip_prefix: true })).status).toBe(201);
    const limited = await g.api('POST', '/routes', { name: 'limited', service_id: svc.body.id, paths: ['/limited/*'], strip_prefix: true });
    expect(limited.status).toBe(201);
    const policy = await g.api('POST', '/policies', { name: 'two-per-minute', type: 'rate-limit', scope: 'route', target_id: limited.body.id, config: { limit: 2, per: 'minute', by: 'ip' } });
    expect(policy.status).toBe(201);
    const cached = await g.api('POST', '/routes', { name: 'cached', service_id: svc.body.id, paths: ['/cached/*'], strip_prefix: true });
    expect((await g.api('POST', '/policies', { name: 'cache', type: 'cache', scope: 'route', target_id: cached.body.id, config: { default_ttl_seconds: 60 } })).status).toBe(201);

    const oa = await g.api('POST', '/ai/providers', { name: 'oa', kind: 'openai-compatible', base_url: `${fx.url}/v1` });
    expect((await g.api('POST', `/ai/providers/${oa.body.id}/keys`, { name: 'good', secret: 'sk-fixture' })).status).toBe(201);
    const llm = await g.api('POST', '/services', { name: 'llm', kind: 'ai' });
    expect((await g.api('POST', '/routes', { name: 'llm', service_id: llm.body.id, paths: ['/v1/*'] })).status).toBe(201);
    expect((await g.api('POST', '/policies', { name: 'auth', type: 'key-auth', scope: 'service', target_id: llm.body.id })).status).toBe(201);
    const app = await g.api('POST', '/apps', { name: 'chatbot' });
    apiKey = (await g.api('POST', `/apps/${app.body.id}/keys`, { name: 'prod' })).body.key;
  });
  afterAll(async () => {
    await g?.stop();
    await up?.close();
    await fx?.close();
  });

  it('is served on the admin port without an admin token, in the Prometheus text format', async () => {
    expect(g.metricsUrl).toBe(`${g.adminUrl}/metrics`);
    const res = await fetch(g.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(await res.text());
    expect(m.find('gantry_build_info', { node: g.settings.nodeId, role: 'all' })).toHaveLength(1);
    expect(m.value('gantry_config_version')).toBe(g.dataPlane!.configVersion);
    expect(m.find('gantry_config_snapshot_age_seconds')).toHaveLength(1);
    expect(m.value('gantry_config_store_reachable')).toBe(1);
    // prom-client's process metrics come along.
    expect(m.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(m.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    const health = await fetch(`${g.adminUrl}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', node: g.settings.nodeId, role: 'all', config_version: g.dataPlane!.configVersion });
  });

  it('counts each call once, by route, method and status, with latency histograms that agree', async () => {
    const before = await scrape(g.metricsUrl!);
    for (let i = 0; i < 5; i++) expect((await fetch(`${g.dataUrl}/api/get-${i}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${g.dataUrl}/api/post`, { method: 'POST', body: 'hello' })).status).toBe(200);
    expect((await fetch(`${g.dataUrl}/api/status/503`)).status).toBe(503);
    expect((await fetch(`${g.dataUrl}/nowhere`)).status).toBe(404);

    const delta = (m: Exposition, name: string, labels: Record<string, string>) => m.value(name, labels) - before.value(name, labels);
    let m = before;
    await eventually(async () => {
      m = await scrape(g.metricsUrl!);
      return delta(m, 'gantry_http_requests_total', {}) >= 9;
    });
    expect(delta(m, 'gantry_http_requests_total', {})).toBe(9);
    expect(delta(m, 'gantry_http_requests_total', { ...api, method: 'GET', status: '200' })).toBe(5);
    expect(delta(m, 'gantry_http_requests_total', { ...api, method: 'POST', status: '200' })).toBe(2);
    expect(delta(m, 'gantry_http_requests_total', { ...api, method: 'GET', status: '503' })).toBe(1);
    // A call no route matched has empty route labels (paths never become labels).
    expect(delta(m, 'gantry_http_requests_total', { team: '', service: '', route: '', method: 'GET', status: '404' })).toBe(1);
    expect(m.samples.some((s) => Object.values(s.labels).some((v) => v.includes('/api/') || v.includes('nowhere')))).toBe(false);
    expect(delta(m, 'gantry_http_errors_total', { route: '', code: 'GANTRY_ERR_ROUTE_NOT_FOUND' })).toBe(1);

    const dur = 'gantry_http_request_duration_seconds';
    expect(delta(m, `${dur}_count`, { ...api, status_class: '2xx' })).toBe(7);
    expect(delta(m, `${dur}_count`, { ...api, status_class: '5xx' })).toBe(1);
    expect(delta(m, `${dur}_bucket`, { ...api, status_class: '2xx', le: '+Inf' })).toBe(7);
    expect(m.value(`${dur}_sum`, { ...api, status_class: '2xx' })).toBeGreaterThan(0);
    const buckets = m.find(`${dur}_bucket`, { ...api, status_class: '2xx' }).map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(delta(m, 'gantry_http_upstream_duration_seconds_count', api)).toBe(8);
    expect(delta(m, 'gantry_http_received_bytes_total', api)).toBe(10);
    expect(delta(m, 'gantry_http_sent_bytes_total', api)).toBeGreaterThan(0);
  });

  it('exports rate-limit outcomes per route and each limiter’s decisions per policy', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${g.dataUrl}/limited/x`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const route = { team: 'default', service: 'svc', route: 'limited' };
    let m!: Exposition;
    await eventually(async () => {
      m = await scrape(g.metricsUrl!);
      return m.value('gantry_http_requests_total', route) >= 3;
    });
    expect(m.value('gantry_http_rate_limit_results_total', { ...route, outcome: 'allowed' })).toBe(2);
    expect(m.value('gantry_http_rate_limit_results_total', { ...route, outcome: 'limited' })).toBe(1);
    const limiter = { team: 'default', policy: 'two-per-minute', backend: 'local' };
    expect(m.value('gantry_rate_limiter_decisions_total', { ...limiter, decision: 'allowed' })).toBe(2);
    expect(m.value('gantry_rate_limiter_decisions_total', { ...limiter, decision: 'denied' })).toBe(1);
    expect(m.value('gantry_rate_limiter_decisions_total', { ...limiter, decision: 'degraded' })).toBe(0);
    expect(m.value('gantry_rate_limiter_keys', limiter)).toBe(1);
  });

  it('counts cache results per route and reads the cache store counters', async () => {
    const before = await scrape(g.metricsUrl!);
    const first = await fetch(`${g.dataUrl}/cached/doc`);
    await first.arrayBuffer();
    const second = await fetch(`${g.dataUrl}/cached/doc`);
    await second.arrayBuffer();
    expect(up.hits.get('/doc')).toBe(1);
    const route = { team: 'default', service: 'svc', route: 'cached' };
    let m!: Exposition;
    await eventually(async () => {
      m = await scrape(g.metricsUrl!);
      return m.value('gantry_http_requests_total', route) >= 2;
    });
    expect(m.value('gantry_http_cache_results_total', { ...route, cache_status: 'MISS' })).toBe(1);
    expect(m.value('gantry_http_cache_results_total', { ...route, cache_status: 'HIT' })).toBe(1);
    const memory = { store: 'memory' };
    expect(m.value('gantry_cache_sets_total', memory) - before.value('gantry_cache_sets_total', memory)).toBe(1);
    expect(m.value('gantry_cache_hits_total', memory) - before.value('gantry_cache_hits_total', memory)).toBeGreaterThanOrEqual(1);
    expect(m.value('gantry_cache_entries', memory)).toBe(1);
    expect(m.value('gantry_cache_bytes', memory)).toBeGreaterThan(0);
    // The miss fetched from the origin through the coalescer; nobody joined it.
    expect(m.value('gantry_cache_coalesce_fetches_total') - before.value('gantry_cache_coalesce_fetches_total')).toBe(1);
    expect(m.value('gantry_cache_coalesce_joined_total')).toBe(0);
  });

  it('reads upstream target health and the cache stores at scrape time', async () => {
    const m = await scrape(g.metricsUrl!);
    const target = { team: 'default', upstream: 'pool', target: `${up.url}/` };
    expect(m.find('gantry_upstream_target_up', target).map((s) => s.value)).toEqual([1]);
    expect(m.find('gantry_upstream_target_ejected', target).map((s) => s.value)).toEqual([0]);
    // No active checks configured: no health-check verdict is invented.
    expect(m.find('gantry_upstream_target_health_check_up')).toEqual([]);

    const memory = g.dataPlane!.cacheStores.memory;
    const stats = memory.stats();
    expect(m.value('gantry_cache_entries', { store: 'memory' })).toBe(stats.entries);
    expect(m.value('gantry_cache_bytes', { store: 'memory' })).toBe(stats.bytes);
    for (const field of ['hits', 'misses', 'sets', 'evictions', 'errors'] as const) {
      expect(m.find(`gantry_cache_${field}_total`, { store: 'memory' }).map((s) => s.value)).toEqual([stats[field]]);
    }
  });

  it('counts AI calls, tokens and provider attempts by provider name and served model', async () => {
    const res = await fetch(`${g.dataUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(res.status).toBe(200);
    const usage = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    let m!: Exposition;
    await eventually(async () => {
      m = await scrape(g.metricsUrl!);
      return m.value('gantry_ai_requests_total') >= 1;
    });
    const [req] = m.find('gantry_ai_requests_total', { provider: 'oa', outcome: 'success' });
    expect(req?.value).toBe(1);
    const model = req!.labels.model!;
    expect(model).toContain('gpt-4o-mini');
    expect(m.value('gantry_ai_tokens_total', { provider: 'oa', model, type: 'prompt' })).toBe(usage.prompt_tokens);
    expect(m.value('gantry_ai_tokens_total', { provider: 'oa', model, type: 'completion' })).toBe(usage.completion_tokens);
    expect(m.find('gantry_ai_cost_usd_total', { provider: 'oa', model })).toHaveLength(1);
    expect(m.value('gantry_ai_provider_attempts_total', { provider: 'oa', outcome: 'served' })).toBe(1);
    // The AI call is also an HTTP call of the `llm` route.
    expect(m.value('gantry_http_requests_total', { route: 'llm', method: 'POST', status: '200' })).toBe(1);
  });

  it('labels follow a route rename without losing the counts made under the old name', async () => {
    const routes = await g.api('GET', '/routes?name=api');
    const id = routes.body.data.find((r: { name: string }) => r.name === 'api').id;
    const before = (await scrape(g.metricsUrl!)).value('gantry_http_requests_total', api);
    expect((await g.api('PATCH', `/routes/${id}`, { name: 'api-v2' })).status).toBe(200);
    expect((await fetch(`${g.dataUrl}/api/renamed`)).status).toBe(200);
    let m!: Exposition;
    await eventually(async () => {
      m = await scrape(g.metricsUrl!);
      return m.value('gantry_http_requests_total', { route: 'api-v2' }) >= 1;
    });
    expect(m.value('gantry_http_requests_total', { ...api, route: 'api-v2' })).toBe(1);
    expect(m.value('gantry_http_requests_total', api)).toBe(before);
  });

  it('a --role data node serves /metrics and /healthz on its admin port, behind the metrics token when one is set', async () => {
    const data = await startTestGantry({ role: 'data', databaseUrl: g.settings.databaseUrl, metricsToken: METRICS_TOKEN });
    try {
      expect(data.adminUrl).toBeUndefined();
      const url = data.metricsUrl!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(url).not.toBe(g.metricsUrl);

      const anonymous = await fetch(url);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('GANTRY_ERR_METRICS_UNAUTHENTICATED');
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);

      const auth = { authorization: `Bearer ${METRICS_TOKEN}` };
      const m = await scrape(url, auth);
      expect(m.find('gantry_build_info', { node: data.settings.nodeId, role: 'data' })).toHaveLength(1);
      expect(m.value('gantry_config_version')).toBe(g.dataPlane!.configVersion);
      expect(m.find('gantry_upstream_target_up', { upstream: 'pool' }).map((s) => s.value)).toEqual([1]);

      const health = await fetch(url.replace(/\/metrics$/, '/healthz'));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', role: 'data', config_version: g.dataPlane!.configVersion });
      const other = await fetch(url.replace(/\/metrics$/, '/api/v1/status'));
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('GANTRY_ERR_NOT_FOUND');
    } finally {
      await data.stop();
    }
  });
});
