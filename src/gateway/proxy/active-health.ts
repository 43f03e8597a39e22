/**
 * Active health checks: for each upstream with `health_checks.active.enabled`, every node probes
 * each target with GET <path> every interval. A target goes down after `unhealthy_threshold`
 * consecutive failures and comes back after `healthy_threshold` successes. Timers are unref'd and
 * stopped when the upstream disappears, changes, or the data plane closes.
 */
import { Pool, request } from 'undici';
import type { Logger } from '../runtime.js';
import type { ActiveCheck, CompiledUpstream, UpstreamTarget } from '../snapshot/types.js';

class UpstreamChecker {
  readonly fingerprint: string;
  readonly #name: string;
  readonly #check: ActiveCheck;
  readonly #targets: UpstreamTarget[];
  readonly #pools: Pool[];
  readonly #probing: boolean[];
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(upstream: CompiledUpstream, logger: Logger) {
    this.fingerprint = upstream.activeFingerprint;
    this.#name = upstream.name;
    this.#check = upstream.active as ActiveCheck;
    this.#targets = upstream.targets;
    this.#logger = logger;
    this.#probing = upstream.targets.map(() => false);
    this.#pools = upstream.targets.map(
      (t) => new Pool(t.origin, { connections: 1, pipelining: 1, connect: { timeout: this.#check.timeoutMs } }),
    );
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), this.#check.intervalMs);
    this.#timer.unref();
    this.#tick();
  }

  stop(resetVerdict: boolean): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const pool of this.#pools) pool.destroy().catch(() => undefined);
    if (resetVerdict) {
      for (const t of this.#targets) {
        t.state.activeUp = true;
        t.state.activeFailures = 0;
        t.state.activeSuccesses = 0;
      }
    }
  }

  #tick(): void {
    for (let i = 0; i < this.#targets.length; i++) {
      if (!this.#probing[i]) this.#probe(i);
    }
  }

  #probe(i: number): void {
    this.#probing[i] = true;
    const check = this.#check;
    const target = this.#targets[i];
    request(target.origin + check.path, {
      dispatcher: this.#pools[i],
      method: 'GET',
      headersTimeout: check.timeoutMs,
      bodyTimeout: check.timeoutMs,
      signal: AbortSignal.timeout(check.timeoutMs),
      headers: { 'user-agent': 'gantry-health-check' },
    }).then(
      async (res) => {
        await res.body.dump().catch(() => undefined);
        const expected = check.expected;
        this.#record(target, expected === null ? res.statusCode >= 200 && res.statusCode < 400 : expected.has(res.statusCode));
      },
      () => this.#record(target, false),
    ).finally(() => {
      this.#probing[i] = false;
    });
  }

  #record(target: UpstreamTarget, ok: boolean): void {
    if (this.#stopped) return;
    const s = target.state;
    if (ok) {
      s.activeFailures = 0;
      s.activeSuccesses++;
      if (!s.activeUp && s.activeSuccesses >= this.#check.healthyThreshold) {
        s.activeUp = true;
        this.#logger.info({ upstream: this.#name, target: target.url }, 'upstream target healthy again (active check)');
      }
    } else {
      s.activeSuccesses = 0;
      s.activeFailures++;
      if (s.activeUp && s.activeFailures >= this.#check.unhealthyThreshold) {
        s.activeUp = false;
        this.#logger.warn({ upstream: this.#name, target: target.url }, 'upstream target unhealthy (active check)');
      }
    }
  }
}

/** One checker per upstream with active checks, kept across reloads while its settings are unchanged. */
export class ActiveHealthChecks {
  readonly #checkers = new Map<string, UpstreamChecker>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  sync(upstreams: ReadonlyMap<string, CompiledUpstream>): void {
    for (const [id, checker] of this.#checkers) {
      const u = upstreams.get(id);
      if (u === undefined || u.active === null || u.activeFingerprint !== checker.fingerprint) {
        checker.stop(u === undefined || u.active === null);
        this.#checkers.delete(id);
      }
    }
    for (const u of upstreams.values()) {
      if (u.active === null || this.#checkers.has(u.id)) continue;
      const checker = new UpstreamChecker(u, this.#logger);
      this.#checkers.set(u.id, checker);
      checker.start();
    }
  }

  stopAll(): void {
    for (const checker of this.#checkers.values()) checker.stop(false);
    this.#checkers.clear();
  }
}
