/**
 * Redis for tests (cache, rate limits, cluster). `GANTRY_TEST_REDIS_URL` names the shared server (e.g.
 * redis://127.0.0.1:6379); without it the Redis suites are skipped, visibly, except in CI where the
 * missing variable fails the file. Every suite works under a key prefix of its own and deletes its
 * keys afterwards (never FLUSHDB). Outage tests use a private `redis-server` they start and kill.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';

export function redisTestUrl(): string | undefined {
  return process.env.GANTRY_TEST_REDIS_URL?.trim() || undefined;
}

export const REDIS_URL = redisTestUrl();

/**
 * `describe` when `reason` is null; otherwise a visible skip, or, in CI, a failing test naming the reason
 * (a suite CI is meant to run must not pass by being skipped).
 */
export function describeGated(name: string, reason: string | null, fn: () => void): void {
  if (reason === null) {
    describe(name, fn);
  } else if (process.env.CI) {
    describe(name, () => {
      it(`cannot run in CI: ${reason}`, () => {
        throw new Error(`${name}: ${reason}`);
      });
    });
  } else {
    console.warn(`[skipped] ${name}: ${reason}`);
    describe.skip(name, fn);
  }
}

/** A suite against the shared Redis named by GANTRY_TEST_REDIS_URL. */
export function describeRedis(name: string, fn: (url: string) => void): void {
  describeGated(name, REDIS_URL ? null : 'set GANTRY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it', () => fn(REDIS_URL ?? 'redis://unset'));
}

export const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** A suite that starts its own redis-server (outages); enabled together with the Redis suites. */
export function describePrivateRedis(name: string, fn: () => void): void {
  const reason = !REDIS_URL
    ? 'set GANTRY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it'
    : !HAS_REDIS_SERVER
      ? 'redis-server is not installed'
      : null;
  describeGated(name, reason, fn);
}

export function uniquePrefix(label: string): string {
  return `gantry-test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Keys matching `pattern` (a SCAN glob), by SCAN: never KEYS on the shared server. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
  let n = 0;
  for (let i = 0; i < keys.length; i += 500) n += await redis.unlink(...keys.slice(i, i + 500));
  return n;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', () => resolve(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

/** A redis-server of this test's own on a free port: no persistence, killed and restarted at will. */
export class PrivateRedis {
  readonly port: number;
  #proc: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.restart();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    if (this.#proc !== null) return;
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.#proc = proc;
    proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = null;
    });
    for (let i = 0; i < 200; i++) {
      if (await pong(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`private redis-server on port ${this.port} did not start`);
  }

  /** SIGKILL: the server vanishes as in a crash. */
  async kill(): Promise<void> {
    const proc = this.#proc;
    if (proc === null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    this.#proc = null;
  }
}

/** A TCP forwarder in front of a Redis that the test can stall: bytes are held back, sockets stay open. */
export class StallableProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #held: Array<() => void> = [];
  #stalled = false;
  port = 0;

  constructor(targetPort: number) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      const forward = (from: net.Socket, to: net.Socket): void => {
        from.on('data', (chunk: Buffer) => {
          if (this.#stalled) this.#held.push(() => to.write(chunk));
          else to.write(chunk);
        });
        from.on('close', () => to.destroy());
        from.on('error', () => {});
        this.#sockets.add(from);
        from.on('close', () => this.#sockets.delete(from));
      };
      forward(client, upstream);
      forward(upstream, client);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  stall(): void {
    this.#stalled = true;
  }

  resume(): void {
    this.#stalled = false;
    for (const send of this.#held.splice(0)) send();
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/** Resolves when `client` is ready (connected and past the ready check). */
export async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/** Polls `check` every 20 ms until it holds; rejects after `ms` (a bound, not a timing assertion). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
