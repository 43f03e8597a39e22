/**
 * Synthetic call records for the call-log benchmarks: 5 teams (of unequal size) x 4 services x 5
 * routes, 100 apps per team whose popularity follows a Zipf curve, ~95% 2xx with 3xx/4xx/5xx and
 * error codes, 10% AI calls over 5 models, per-service log-normal latencies, some cache hits and
 * rate-limited calls. Deterministic (seeded), so runs compare.
 */
import { randomUUID } from 'node:crypto';
import type { CallRecord } from '../src/core/call-record.js';
import { newRequestId } from '../src/core/ids.js';
import { newCallId } from '../src/store/repos/call-ids.js';

export const DAY_MS = 86_400_000;

let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Index drawn with probability proportional to `weights` (cumulative, binary search). */
function weighted(cumulative: readonly number[]): number {
  const x = rand() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cumulate(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

interface Target {
  team: string;
  service: string;
  route: string;
  medianMs: number;
}

export const TEAMS = Array.from({ length: 5 }, (_, t) => `team_${t}`);
const services = TEAMS.flatMap((team, t) =>
  Array.from({ length: 4 }, (_, s) => ({
    team,
    id: `svc_${t}_${s}`,
    medianMs: 8 + 12 * s + 3 * t,
    routes: Array.from({ length: 5 }, (_, r) => `rt_${t}_${s}_${r}`),
  })),
);
export const SERVICES = services.map((s) => s.id);

/** Apps: 100 per team, each calling 3 routes of its team; app popularity is Zipf (s = 1). */
const apps = TEAMS.flatMap((team, t) =>
  Array.from({ length: 100 }, (_, a) => {
    const own = services.filter((s) => s.team === team);
    const routes: Target[] = Array.from({ length: 3 }, () => {
      const s = pick(own);
      return { team, service: s.id, route: pick(s.routes), medianMs: s.medianMs };
    });
    return { id: `app_${t}_${a}`, routes, weight: (1 / (a + 1)) * [5, 3, 2, 1, 1][t]! };
  }),
);
const appCumulative = cumulate(apps.map((a) => a.weight));

const MODELS = [
  ['aip_openai', 'openai/gpt-4o'],
  ['aip_openai', 'openai/gpt-4o-mini'],
  ['aip_anthropic', 'anthropic/claude-sonnet-4'],
  ['aip_anthropic', 'anthropic/claude-haiku-3.5'],
  ['aip_gemini', 'gemini/gemini-2.0-flash'],
] as const;
const CLIENT_ERRORS = ['GANTRY_ERR_UNAUTHORIZED', 'GANTRY_ERR_ROUTE_NOT_FOUND', 'GANTRY_ERR_RATE_LIMITED', 'GANTRY_ERR_VALIDATION'];
const SERVER_ERRORS = ['GANTRY_ERR_UPSTREAM_FAILED', 'GANTRY_ERR_UPSTREAM_TIMEOUT', 'GANTRY_ERR_UPSTREAM_UNAVAILABLE'];

/** One call at `time` (epoch ms); `i` varies paths and client addresses. */
/**
 * Request ids as Gantry makes them (UUIDv7, time first) when callers send none; with
 * BENCH_CLIENT_REQUEST_IDS=1, random ones, as when every caller sends its own X-Request-Id.
 */
const clientRequestIds = process.env.BENCH_CLIENT_REQUEST_IDS === '1';

export function callRecord(time: number, i: number): CallRecord {
  const app = apps[weighted(appCumulative)]!;
  const target = pick(app.routes);
  const roll = rand();
  const status = roll < 0.945 ? pick([200, 200, 200, 201]) : roll < 0.95 ? 304 : roll < 0.985 ? pick([400, 401, 404, 429]) : pick([500, 502, 504]);
  const errorCode =
    status === 429 ? 'GANTRY_ERR_RATE_LIMITED' : status >= 500 ? pick(SERVER_ERRORS) : status >= 400 && rand() < 0.7 ? pick(CLIENT_ERRORS) : null;
  const latency = Math.exp(Math.log(target.medianMs) + 0.8 * (rand() + rand() + rand() - 1.5));
  const isAi = rand() < 0.1;
  const model = pick(MODELS);
  const cacheRoll = rand();
  return {
    id: newCallId(time),
    request_id: clientRequestIds ? randomUUID() : newRequestId(time),
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
    error_code: errorCode,
    bytes_in: 200 + Math.floor(rand() * 800),
    bytes_out: 500 + Math.floor(rand() * 5000),
    latency_total_ms: latency,
    latency_upstream_ms: status === 429 ? null : latency * 0.95,
    latency_gateway_ms: latency * 0.05,
    upstream_target: status === 429 ? null : 'http://10.1.0.5:8080',
    upstream_status: status === 429 ? null : status,
    retries: rand() < 0.01 ? 1 : 0,
    cache_status: isAi || cacheRoll < 0.7 ? null : cacheRoll < 0.85 ? 'HIT' : 'MISS',
    rate_limit: status === 429 ? 'limited' : null,
    ai: isAi
      ? {
          endpoint: 'chat',
          provider_id: model[0],
          provider_kind: model[0].slice(4),
          model_requested: model[1],
          model_served: model[1],
          prompt_tokens: 200 + Math.floor(rand() * 800),
          completion_tokens: 50 + Math.floor(rand() * 300),
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

/**
 * Arrival times of `total` calls spread over [from, to), in order, with a daily cycle (three times
 * as busy at 14:00 UTC as at 02:00). The returned function gives the i-th time; O(1), no array.
 */
export function arrivals(total: number, from: number, to: number): (i: number) => number {
  const span = to - from;
  // Cumulative traffic share at time t of a day with intensity 1 + 0.5 sin(2π(t - 8h)/24h): its
  // inverse is found by Newton steps (monotone, smooth), so record i lands where the share is i/total.
  const amp = 0.5;
  const w = (2 * Math.PI) / DAY_MS;
  // Offset of `from` in its UTC day, less the 08:00 where the cycle's sine starts rising.
  const phase = (from % DAY_MS) - 8 * 3_600_000;
  const cum = (t: number) => t - (amp / w) * (Math.cos(w * (t + phase)) - Math.cos(w * phase));
  const totalShare = cum(span);
  let guess = 0;
  return (i: number) => {
    const target = (i / total) * totalShare;
    let t = guess;
    for (let k = 0; k < 8; k++) {
      const f = cum(t) - target;
      const d = 1 + amp * Math.sin(w * (t + phase));
      const next = t - f / d;
      if (Math.abs(next - t) < 0.5) {
        t = next;
        break;
      }
      t = next;
    }
    guess = t;
    return from + Math.min(span - 1, Math.max(0, Math.floor(t)));
  };
}
