/**
 * Interleaved rounds for a machine whose load drifts within a run (it is shared): every round runs
 * every scenario once, in an order shuffled each round, and each scenario is compared with the
 * reference *of the same round*. The figures of record are medians of those per-round ratios, next to
 * medians of the raw figures. Each run also samples the CPU time the serving process (and, when
 * asked, a second one such as redis-server) spent per request: under contention that moves far less
 * than throughput does.
 */
import { median, processCpuMs, runLoad, textTable, type LoadOptions } from './lib.js';

export interface PairedScenario {
  name: string;
  load: LoadOptions;
  /** The process that serves the scenario; its CPU per request is reported. */
  pid: number;
  /** Another CPU counter (ms since some origin) reported per request, e.g. redis-server's. */
  otherCpuMs?: () => Promise<number>;
  /** The upstream's process: its CPU per request is reported too (it shares the machine's cores). */
  upstreamPid?: number;
}

export interface PairedRun {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  /** µs of CPU per request in the serving process. */
  cpuUs: number;
  otherCpuUs: number | null;
  /** µs of CPU per request in this process, i.e. the load generator (autocannon runs here). */
  loadCpuUs: number;
  upstreamCpuUs: number | null;
}

export interface PairedSummary {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
  otherCpuUs: number | null;
  loadCpuUs: number;
  upstreamCpuUs: number | null;
  failures: number;
  /** Median over rounds of this scenario's figure ÷ the reference's figure in the same round. */
  rpsRatio: number;
  cpuRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  runs: PairedRun[];
}

async function measured(s: PairedScenario): Promise<PairedRun> {
  const cpu0 = processCpuMs(s.pid) ?? NaN;
  const other0 = s.otherCpuMs ? await s.otherCpuMs() : NaN;
  const up0 = s.upstreamPid === undefined ? NaN : (processCpuMs(s.upstreamPid) ?? NaN);
  const load0 = process.cpuUsage();
  const r = await runLoad(s.load);
  const load = process.cpuUsage(load0);
  const cpu1 = processCpuMs(s.pid) ?? NaN;
  const up1 = s.upstreamPid === undefined ? NaN : (processCpuMs(s.upstreamPid) ?? NaN);
  const other1 = s.otherCpuMs ? await s.otherCpuMs() : NaN;
  const n = Math.max(1, r.rps * s.load.durationS);
  return {
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    failures: r.non2xx + r.errors,
    cpuUs: ((cpu1 - cpu0) * 1000) / n,
    otherCpuUs: s.otherCpuMs ? ((other1 - other0) * 1000) / n : null,
    loadCpuUs: (load.user + load.system) / n,
    upstreamCpuUs: s.upstreamPid === undefined ? null : ((up1 - up0) * 1000) / n,
  };
}

const SETTLE_MS = 500;

/**
 * 0..n-1 in an order drawn from `seed` (mulberry32 + Fisher-Yates): each round its own order, so no
 * scenario always runs first, or always right after the same other one.
 */
function shuffled(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs `rounds` shuffled rounds after a `warmupS` run of each scenario; `ref` names the reference. */
export async function runPairedRounds(scenarios: PairedScenario[], rounds: number, warmupS: number, ref: string): Promise<PairedSummary[]> {
  const refIndex = scenarios.findIndex((s) => s.name === ref);
  if (refIndex < 0) throw new Error(`no scenario named ${ref}`);
  for (const s of scenarios) await runLoad({ ...s.load, durationS: warmupS });
  const runs: PairedRun[][] = scenarios.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const i of shuffled(scenarios.length, round + 1)) {
      // A moment of quiet, so that what one run leaves behind (GC, expiring keys) does not land in the next.
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const run = await measured(scenarios[i]!);
      runs[i]!.push(run);
      process.stderr.write(
        `  round ${round + 1}/${rounds} ${scenarios[i]!.name}: ${Math.round(run.rps)} req/s, ${run.cpuUs.toFixed(0)} µs CPU/req, load generator ${run.loadCpuUs.toFixed(0)} µs/req\n`,
      );
    }
  }
  const refRuns = runs[refIndex]!;
  return scenarios.map((s, i) => {
    const rs = runs[i]!;
    const m = (f: (x: PairedRun) => number) => median(rs.map(f));
    const ratio = (f: (x: PairedRun) => number) => median(rs.map((x, r) => f(x) / f(refRuns[r]!)));
    return {
      name: s.name,
      rps: m((x) => x.rps),
      p50: m((x) => x.p50),
      p99: m((x) => x.p99),
      cpuUs: m((x) => x.cpuUs),
      otherCpuUs: s.otherCpuMs ? m((x) => x.otherCpuUs ?? NaN) : null,
      loadCpuUs: m((x) => x.loadCpuUs),
      upstreamCpuUs: s.upstreamPid === undefined ? null : m((x) => x.upstreamCpuUs ?? NaN),
      failures: rs.reduce((n, x) => n + x.failures, 0),
      rpsRatio: ratio((x) => x.rps),
      cpuRatio: ratio((x) => x.cpuUs),
      p50Ratio: ratio((x) => x.p50),
      p99Ratio: ratio((x) => x.p99),
      runs: rs,
    };
  });
}

/**
 * A text table: raw medians, then the per-round ratios to the reference. CPU per request of the load
 * generator (and of the upstream, when its pid was given) is shown because on a shared machine every
 * process's CPU comes out of the same cores: a response that costs the client more to parse lowers
 * the throughput measured without costing the proxy anything.
 */
export function pairedTable(rows: PairedSummary[], ref: string, otherCpuLabel?: string): string {
  const withUpstream = rows.some((r) => r.upstreamCpuUs !== null);
  const head = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'fails',
    'CPU µs/req',
    ...(otherCpuLabel ? [otherCpuLabel] : []),
    'load-gen µs/req',
    ...(withUpstream ? ['upstream µs/req'] : []),
    `req/s × ${ref}`,
    'CPU/req ×',
    'p50 ×',
    'p99 ×',
  ];
  const body = rows.map((r) => [
    r.name,
    Math.round(r.rps).toString(),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.failures),
    r.cpuUs.toFixed(0),
    ...(otherCpuLabel ? [r.otherCpuUs === null ? '-' : r.otherCpuUs.toFixed(1)] : []),
    r.loadCpuUs.toFixed(0),
    ...(withUpstream ? [r.upstreamCpuUs === null ? '-' : r.upstreamCpuUs.toFixed(0)] : []),
    r.rpsRatio.toFixed(2),
    r.cpuRatio.toFixed(2),
    r.p50Ratio.toFixed(2),
    r.p99Ratio.toFixed(2),
  ]);
  return textTable(head, body);
}

/** redis-server's CPU time so far (ms), from INFO cpu. */
export async function redisCpuMs(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('cpu');
  const get = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}
