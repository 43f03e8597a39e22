/**
 * Call-log ingest on the embedded store: `store.callLogs.insertBatch` (records + rollups, one
 * transaction per batch) into a fresh SQLite file, with a realistic mix of teams, services, routes,
 * apps, statuses and AI calls. Prints records/s (wall clock) and CPU time per record, which is less
 * sensitive to other load on this shared machine.
 *
 *   npx tsx bench/call-log-ingest.ts [records=200000] [batch=5000] [database=<tmp>/calls.db]
 *
 * Batches are what the pipeline hands the store sink: up to `call_logs.queue.batch_size` (5000),
 * smaller when traffic is light. Larger batches share rollup rows between more records.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord } from '../src/core/call-record.js';
import { createStore } from '../src/store/index.js';
import { newCallId } from '../src/store/repos/call-ids.js';

const total = Number(process.argv[2] ?? 200_000);
const batchSize = Number(process.argv[3] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), 'gantry-ingest-'));
const url = process.argv[4] ?? join(dir, 'calls.db');

/** Deterministic pseudo-random numbers, so runs compare. */
let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// 5 teams x 4 services x 5 routes; 100 apps per team, each calling 3 routes of its team.
const teams = Array.from({ length: 5 }, (_, t) => ({
  id: `team_${t}`,
  services: Array.from({ length: 4 }, (_, s) => ({ id: `svc_${t}_${s}`, routes: Array.from({ length: 5 }, (_, r) => `rt_${t}_${s}_${r}`) })),
}));
const apps = teams.flatMap((team) =>
  Array.from({ length: 100 }, (_, a) => {
    const routes = Array.from({ length: 3 }, () => {
      const service = pick(team.services);
      return { team: team.id, service: service.id, route: pick(service.routes) };
    });
    return { id: `app_${team.id}_${a}`, routes };
  }),
);
const models = [
  ['aip_openai', 'openai/gpt-4o'],
  ['aip_openai', 'openai/gpt-4o-mini'],
  ['aip_anthropic', 'anthropic/claude-sonnet-4'],
  ['aip_anthropic', 'anthropic/claude-haiku-3.5'],
  ['aip_gemini', 'gemini/gemini-2.0-flash'],
] as const;
const errors = ['GANTRY_ERR_UPSTREAM_FAILED', 'GANTRY_ERR_UPSTREAM_TIMEOUT', 'GANTRY_ERR_UNAUTHORIZED', 'GANTRY_ERR_ROUTE_NOT_FOUND'];

function record(time: number, i: number): CallRecord {
  const app = pick(apps);
  const target = pick(app.routes);
  const roll = rand();
  const status = roll < 0.95 ? 200 : roll < 0.98 ? pick([400, 401, 404, 429]) : pick([500, 502, 504]);
  const latency = Math.exp(Math.log(20) + 1.2 * (rand() + rand() + rand() - 1.5));
  const isAi = rand() < 0.1;
  const model = pick(models);
  return {
    id: newCallId(time),
    request_id: randomUUID(),
    time,
    node: 'bench',
    team_id: target.team,
    service_id: target.service,
    route_id: target.route,
    app_id: app.id,
    key_id: `key_${app.id}`,
    client_ip: `10.0.${i % 256}.${(i >> 8) % 256}`,
    method: isAi ? 'POST' : pick(['GET', 'GET', 'GET', 'POST']),
    host: 'api.example.com',
    path: isAi ? '/v1/chat/completions' : `/v1/${target.route}/items/${i % 5000}`,
    query: rand() < 0.3 ? 'page=2&sort=desc' : '',
    status,
    error_code: status >= 400 && rand() < 0.7 ? pick(errors) : null,
    bytes_in: 200 + Math.floor(rand() * 800),
    bytes_out: 500 + Math.floor(rand() * 5000),
    latency_total_ms: latency,
    latency_upstream_ms: latency * 0.95,
    latency_gateway_ms: latency * 0.05,
    upstream_target: 'http://10.1.0.5:8080',
    upstream_status: status,
    retries: rand() < 0.01 ? 1 : 0,
    cache_status: null,
    rate_limit: null,
    ai: isAi
      ? {
          endpoint: 'chat',
          provider_id: model[0],
          provider_kind: model[0].slice(4),
          model_requested: model[1],
          model_served: model[1],
          prompt_tokens: 500,
          completion_tokens: 120,
          cached_tokens: 0,
          cache_write_tokens: 0,
          reasoning_tokens: 0,
          tokens_estimated: false,
          cost_usd: 0.0012,
          streamed: true,
          ttft_ms: latency / 4,
          fallback_path: [{ provider: model[0], model: model[1], status: 200, outcome: null }],
        }
      : null,
  };
}

const store = await createStore({ url });
await store.migrate();
// Traffic at 20,000 calls/s: each batch covers 50 ms of arrivals.
const start = Date.UTC(2025, 5, 1);
const records: CallRecord[] = [];
for (let i = 0; i < total; i++) records.push(record(start + Math.floor(i / 20), i));

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let report = t0;
for (let i = 0; i < total; i += batchSize) {
  await store.callLogs.insertBatch(records.slice(i, i + batchSize));
  const now = performance.now();
  if (now - report > 5000) {
    console.log(`  ${i + batchSize} records, ${Math.round(((i + batchSize) / (now - t0)) * 1000)} records/s so far`);
    report = now;
  }
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuUsPerRecord = (cpu.user + cpu.system) / total;
console.log(
  JSON.stringify({
    dialect: store.dialect,
    records: total,
    batch: batchSize,
    records_per_s: Math.round((total / wallMs) * 1000),
    cpu_us_per_record: Number(cpuUsPerRecord.toFixed(1)),
    records_per_cpu_s: Math.round(1e6 / cpuUsPerRecord),
  }),
);
await store.close();
rmSync(dir, { recursive: true, force: true });
