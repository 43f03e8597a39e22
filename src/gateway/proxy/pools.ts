/**
 * undici keep-alive pools, one per (target origin, connect timeout), reused across snapshots so a
 * reload keeps warm connections. Pools no live snapshot references are closed gracefully.
 */
import { Pool } from 'undici';

export interface PoolHandle {
  key: string;
  pool: Pool;
}

export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();

  get(origin: string, connectMs: number): PoolHandle {
    const key = `${origin}|${connectMs}`;
    let pool = this.#pools.get(key);
    if (pool === undefined || pool.closed || pool.destroyed) {
      pool = new Pool(origin, {
        connect: { timeout: connectMs },
        // Per-request headersTimeout comes from the service; the body has no idle timer (SSE may
        // idle for long) and is bounded by the service's total timeout instead.
        bodyTimeout: 0,
        keepAliveTimeout: 4_000,
        pipelining: 1,
      });
      this.#pools.set(key, pool);
    }
    return { key, pool };
  }

  /** Close (gracefully: in-flight requests finish) every pool whose key is not in `live`. */
  releaseUnused(live: Set<string>): void {
    for (const [key, pool] of this.#pools) {
      if (live.has(key)) continue;
      this.#pools.delete(key);
      pool.close().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }

  get size(): number {
    return this.#pools.size;
  }
}
