/**
 * What counting a call costs the request path: Gantry's `gantry:call` metrics subscriber against
 * the reference, prom-client's own labelled Counter and Histogram fed the same events (what a
 * straightforward implementation would do), and against an empty subscriber (the floor). In-process,
 * no sockets: events are published on a private diagnostics channel, as the data plane does.
 * Rounds are interleaved; medians and ratios are printed. Also times one scrape (render) with many
 * routes. Bounded: BENCH_EVENTS events per scenario per round (200k), BENCH_ROUNDS rounds (5).
 *
 *   npx tsx bench/metrics.ts
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Histogram, Registry, type Metric } from 'prom-client';
import type { CallEvent } from '../src/gateway/events.js';
import { CallMetrics } from '../src/telemetry/metrics/call-metrics.js';
import { ConfigNames } from '../src/telemetry/metrics/names.js';
import { renderFamilies, type Family, type Labels } from '../src/telemetry/metrics/families.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUTES = 50;

function events(n: number): CallEvent[] {
  const methods = ['GET', 'GET', 'GET', 'POST', 'PUT'];
  const statuses = [200, 200, 200, 200, 201, 304, 404, 429, 502];
  return Array.from({ length: n }, (_, i) => ({
    requestId: `r${i}`,
    timestamp: Date.now(),
    method: methods[i % methods.length]!,
    path: `/api/${i}`,
    clientIp: '127.0.0.1',
    status: statuses[i % statuses.length]!,
    routeId: `rt_${i % ROUTES}`,
    serviceId: `svc_${i % 5}`,
    appId: null,
    teamId: null,
    keyId: null,
    latencyMs: (i % 400) / 7,
    upstreamLatencyMs: (i % 300) / 7,
    bytesIn: 0,
    bytesOut: 512,
    upstreamTarget: 'http://127.0.0.1:1',
    upstreamStatus: 200,
    retries: 0,
    errorCode: null,
    cacheStatus: null,
    rateLimit: i % 3 === 0 ? 'allowed' : null,
  }));
}

function names(): ConfigNames {
  const n = new ConfigNames();
  const data = {
    version: 1,
    teams: [{ id: 'team_1', name: 'default' }],
    services: Array.from({ length: 5 }, (_, i) => ({ id: `svc_${i}`, team_id: 'team_1', name: `service-${i}` })),
    routes: Array.from({ length: ROUTES }, (_, i) => ({ id: `rt_${i}`, team_id: 'team_1', service_id: `svc_${i % 5}`, name: `route-${i}` })),
    upstreams: [],
    policies: [],
    aiProviders: [],
  };
  n.update(data as unknown as Parameters<ConfigNames['update']>[0]);
  return n;
}

/** The reference: prom-client metrics labelled per call, as most Node.js exporters do it. */
function promClientSubscriber(n: ConfigNames): (message: unknown) => void {
  const registry = new Registry();
  const requests = new Counter({ name: 'r_total', help: 'r', labelNames: ['team', 'service', 'route', 'method', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'd_seconds', help: 'd', labelNames: ['team', 'service', 'route', 'status_class'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  const upstream = new Histogram({ name: 'u_seconds', help: 'u', labelNames: ['team', 'service', 'route'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  const sent = new Counter({ name: 's_total', help: 's', labelNames: ['team', 'service', 'route'], registers: [registry] });
  const limits = new Counter({ name: 'l_total', help: 'l', labelNames: ['team', 'service', 'route', 'outcome'], registers: [registry] });
  return (message) => {
    const ev = message as CallEvent;
    const l = n.route(ev.routeId, ev.serviceId);
    requests.inc({ ...l, method: ev.method, status: ev.status });
    duration.observe({ ...l, status_class: `${Math.floor(ev.status / 100)}xx` }, ev.latencyMs / 1000);
    if (ev.upstreamLatencyMs !== null) upstream.observe(l, ev.upstreamLatencyMs / 1000);
    sent.inc(l, ev.bytesOut);
    if (ev.rateLimit) limits.inc({ ...l, outcome: ev.rateLimit });
  };
}

function run(subscriber: (message: unknown) => void, list: CallEvent[]): number {
  const channel = diagnostics_channel.channel('bench:metrics');
  channel.subscribe(subscriber);
  const start = process.hrtime.bigint();
  for (let i = 0; i < list.length; i++) channel.publish(list[i]);
  const ns = Number(process.hrtime.bigint() - start);
  channel.unsubscribe(subscriber);
  return (list.length / ns) * 1e9;
}

/** A family as prom-client's Registry reads metrics: `get()` returning its samples. */
function asPromClientMetric(f: Family): Metric {
  const get = () => {
    const values: Array<{ value: number; labels: Labels; metricName?: string }> = [];
    f.collect((value, labels, suffix) => values.push(suffix === undefined ? { value, labels } : { value, labels, metricName: f.name + suffix }));
    return { name: f.name, help: f.help, type: f.type, aggregator: 'sum', values };
  };
  return { name: f.name, help: f.help, type: f.type, get, reset() {} } as unknown as Metric;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const list = events(EVENTS);
  const n = names();
  const gantry = new CallMetrics(n);
  const reference = promClientSubscriber(n);
  const empty = (_message: unknown): void => {};
  // Warm-up: every route, method and status seen once by each.
  run(gantry.onCall, list.slice(0, 20_000));
  run(reference, list.slice(0, 20_000));
  run(empty, list.slice(0, 20_000));

  const results: Record<string, number[]> = { empty: [], gantry: [], 'prom-client': [] };
  for (let r = 0; r < ROUNDS; r++) {
    results.empty!.push(run(empty, list));
    results.gantry!.push(run(gantry.onCall, list));
    results['prom-client']!.push(run(reference, list));
  }
  const ref = median(results['prom-client']!);
  console.log(`${EVENTS} call events per run, ${ROUNDS} rounds, ${ROUTES} routes; medians`);
  console.log('| subscriber | events/s | ns/event | × prom-client |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(`| ${name} | ${Math.round(m)} | ${(1e9 / m).toFixed(0)} | ${(m / ref).toFixed(2)} |`);
  }

  // One scrape of the call metrics filled for 50 routes: Gantry's renderer against prom-client's
  // formatter fed the same samples (its Registry reading each family's values).
  const families = gantry.families();
  const registry = new Registry();
  for (const f of families) registry.registerMetric(asPromClientMetric(f));
  const renders: Record<string, number[]> = { gantry: [], 'prom-client': [] };
  for (let i = 0; i < 10; i++) {
    let t = process.hrtime.bigint();
    renderFamilies(families);
    renders.gantry!.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await registry.metrics();
    renders['prom-client']!.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const text = renderFamilies(families);
  console.log(`\nscrape of ${text.split('\n').length} lines (${Math.round(text.length / 1024)} KiB), median of 10:`);
  console.log('| renderer | ms | × prom-client |');
  console.log('| --- | --- | --- |');
  const refMs = median(renders['prom-client']!);
  for (const [name, xs] of Object.entries(renders)) console.log(`| ${name} | ${median(xs).toFixed(1)} | ${(refMs / median(xs)).toFixed(2)} |`);
}

await main();
