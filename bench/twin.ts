/**
 * Twin-node rounds: two Gantry nodes with the same routes, loaded at the same time, one on the
 * reference route and one on the scenario's route, the roles swapped every round. Both see the same
 * machine at the same moment, so load that other work puts on a shared machine hits them alike; run
 * one after the other (paired.ts), the same comparison moved by ±20% from round to round here, more
 * than the few percent being measured.
 *
 * Under saturation the kernel gives the two node processes about equal CPU, so the throughput ratio is
 * about the inverse of their CPU per request: what the scenario costs the gateway. The load generator
 * (autocannon, in this process) and the upstream are shared by both sides, so what a scenario costs
 * them is not in the ratio; measure it separately when it matters.
 *
 * The reference is also run against itself (its row is named `<ref> (A/A)`): that row's spread is
 * the noise of the measurement in this run.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { median, processCpuMs, quantile, textTable } from './lib.js';

/** Busy and total jiffies of each CPU so far, from /proc/stat (Linux); [] elsewhere. */
function cpuTimes(): Array<{ busy: number; total: number }> {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d/.test(l))
      .map((l) => {
        const f = l.trim().split(/\s+/).slice(1).map(Number);
        const idle = f[3]! + f[4]!;
        const total = f.reduce((a, b) => a + b, 0);
        return { busy: total - idle, total };
      });
  } catch {
    return [];
  }
}

export interface TwinNode {
  url: string;
  pid: number;
}

export interface TwinScenario {
  name: string;
  /** Path on both nodes. */
  path: string;
  /** A CPU counter (ms) used only by this scenario's side, e.g. redis-server's; reported per request. */
  otherCpuMs?: () => Promise<number>;
}

export interface TwinOptions {
  rounds: number;
  durationS: number;
  /** Connections per side. */
  connections: number;
  warmupS: number;
}

export interface TwinRound {
  /** Which node served the scenario (the other served the reference). */
  node: number;
  rps: number;
  refRps: number;
  p50: number;
  p99: number;
  failures: number;
  cpuUs: number;
  refCpuUs: number;
  otherCpuUs: number | null;
  /** Share of each CPU that was busy during the pair (all processes, this run's and others'). */
  cpuBusy: number[];
}

export interface TwinSummary {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  cpuUs: number;
  otherCpuUs: number | null;
  /** Medians over rounds of scenario ÷ reference, both measured at the same time. */
  rpsRatio: number;
  cpuRatio: number;
  /** Interquartile range of the per-round throughput ratios. */
  rpsRatioIqr: [number, number];
  rounds: TwinRound[];
}

const SETTLE_MS = 300;


function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function load(url: string, connections: number, durationS: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: durationS });
}

async function pair(nodes: readonly [TwinNode, TwinNode], s: TwinScenario, ref: TwinScenario, node: number, o: TwinOptions): Promise<TwinRound> {
  const other = 1 - node;
  const cpu0 = nodes.map((n) => processCpuMs(n.pid) ?? NaN);
  const extra0 = s.otherCpuMs ? await s.otherCpuMs() : NaN;
  const machine0 = cpuTimes();
  const [mine, theirs] = await Promise.all([
    load(`${nodes[node]!.url}${s.path}`, o.connections, o.durationS),
    load(`${nodes[other]!.url}${ref.path}`, o.connections, o.durationS),
  ]);
  const machine1 = cpuTimes();
  const cpu1 = nodes.map((n) => processCpuMs(n.pid) ?? NaN);
  const extra1 = s.otherCpuMs ? await s.otherCpuMs() : NaN;
  const n = Math.max(1, mine.requests.total);
  const refN = Math.max(1, theirs.requests.total);
  return {
    node,
    rps: mine.requests.total / o.durationS,
    refRps: theirs.requests.total / o.durationS,
    p50: mine.latency.p50,
    p99: mine.latency.p99,
    failures: mine.non2xx + mine.errors + mine.timeouts + theirs.non2xx + theirs.errors + theirs.timeouts,
    cpuUs: ((cpu1[node]! - cpu0[node]!) * 1000) / n,
    refCpuUs: ((cpu1[other]! - cpu0[other]!) * 1000) / refN,
    otherCpuUs: s.otherCpuMs ? ((extra1 - extra0) * 1000) / n : null,
    cpuBusy: machine1.map((c, i) => (c.busy - machine0[i]!.busy) / Math.max(1, c.total - machine0[i]!.total)),
  };
}

/**
 * Every round runs every scenario (the reference too, against itself) once, in a shuffled order,
 * each paired with the reference on the other node; round r puts the scenario on node r % 2.
 */
export async function runTwinRounds(nodes: readonly [TwinNode, TwinNode], scenarios: TwinScenario[], refName: string, o: TwinOptions): Promise<TwinSummary[]> {
  const ref = scenarios.find((s) => s.name === refName);
  if (ref === undefined) throw new Error(`no scenario named ${refName}`);
  for (const s of scenarios) await Promise.all(nodes.map((n) => load(`${n.url}${s.path}`, o.connections, o.warmupS)));
  const runs = new Map<TwinScenario, TwinRound[]>(scenarios.map((s) => [s, []]));
  for (let round = 0; round < o.rounds; round++) {
    for (const s of shuffle(scenarios)) {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const r = await pair(nodes, s, ref, round % 2, o);
      runs.get(s)!.push(r);
      process.stderr.write(
        `  round ${round + 1}/${o.rounds} ${s.name} (node ${r.node}): ${Math.round(r.rps)} vs ${Math.round(r.refRps)} req/s, ` +
          `${r.cpuUs.toFixed(0)} vs ${r.refCpuUs.toFixed(0)} µs CPU/req, CPUs busy ${r.cpuBusy.map((b) => `${Math.round(b * 100)}%`).join(' ')}\n`,
      );
    }
  }
  return scenarios.map((s) => {
    const rs = runs.get(s)!;
    const m = (f: (x: TwinRound) => number) => median(rs.map(f));
    const ratios = rs.map((x) => x.rps / x.refRps);
    return {
      name: s === ref ? `${s.name} (A/A)` : s.name,
      rps: m((x) => x.rps),
      p50: m((x) => x.p50),
      p99: m((x) => x.p99),
      failures: rs.reduce((n, x) => n + x.failures, 0),
      cpuUs: m((x) => x.cpuUs),
      otherCpuUs: s.otherCpuMs ? m((x) => x.otherCpuUs ?? NaN) : null,
      rpsRatio: median(ratios),
      cpuRatio: m((x) => x.cpuUs / x.refCpuUs),
      rpsRatioIqr: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
      rounds: rs,
    };
  });
}

/** A text table: medians of the scenario side, then the per-round ratios to the reference beside it. */
export function twinTable(rows: TwinSummary[], ref: string, otherCpuLabel?: string): string {
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'fails', 'CPU µs/req', ...(otherCpuLabel ? [otherCpuLabel] : []), `req/s × ${ref}`, '(IQR)', 'CPU/req ×'];
  const body = rows.map((r) => [
    r.name,
    Math.round(r.rps).toString(),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.failures),
    r.cpuUs.toFixed(0),
    ...(otherCpuLabel ? [r.otherCpuUs === null ? '-' : r.otherCpuUs.toFixed(1)] : []),
    r.rpsRatio.toFixed(3),
    `${r.rpsRatioIqr[0].toFixed(2)}–${r.rpsRatioIqr[1].toFixed(2)}`,
    r.cpuRatio.toFixed(3),
  ]);
  return textTable(head, body);
}
