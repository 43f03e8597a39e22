/**
 * Gantry nodes as separate processes (`gantry start`, run from source with tsx), for the cluster test
 * and the propagation bench: real ports, their own data dirs, one shared secret key and admin token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts')] as const;

export const CLUSTER_ADMIN_TOKEN = 'gadm_cluster_' + 'c'.repeat(40);
/** Every node of a cluster opens sealed provider keys with the same key. */
export const CLUSTER_SECRET_KEY = randomBytes(32).toString('hex');

/** Children still running when this process exits are killed, whatever way it exits. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface NodeSpec {
  name: string;
  role: 'all' | 'data' | 'control';
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  /** Reused on restart, so the node finds its snapshot file. Default: a new temp dir. */
  dataDir?: string;
  pollMs?: number;
  logLevel?: string;
}

export class GantryNode {
  readonly spec: Required<Pick<NodeSpec, 'dataDir'>> & NodeSpec;
  readonly port: number;
  readonly adminPort: number;
  #child: ChildProcess | undefined;
  #out = '';

  private constructor(spec: NodeSpec & { dataDir: string }, port: number, adminPort: number) {
    this.spec = spec;
    this.port = port;
    this.adminPort = adminPort;
  }

  /** Starts the process and resolves once it serves (admin API for control nodes, data plane otherwise). */
  static async start(spec: NodeSpec, timeoutMs = 45_000): Promise<GantryNode> {
    const dataDir = spec.dataDir ?? mkdtempSync(join(tmpdir(), `gantry-${spec.name}-`));
    const node = new GantryNode({ ...spec, dataDir }, await freePort(), await freePort());
    await node.restart(timeoutMs);
    return node;
  }

  get dataUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.adminPort}`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Everything the process wrote (JSON log lines). */
  logs(): string {
    return this.#out;
  }

  /** Log records whose `msg` contains `text`. */
  logged(text: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.#out.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (typeof rec.msg === 'string' && rec.msg.includes(text)) out.push(rec);
      } catch {
        // a partial line
      }
    }
    return out;
  }

  async restart(timeoutMs = 45_000): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is running`);
    const s = this.spec;
    const args = ['start', '--role', s.role, '--database-url', s.databaseUrl, '--data-dir', s.dataDir, '--host', '127.0.0.1', '--port', String(this.port)];
    args.push('--admin-host', '127.0.0.1', '--admin-port', String(this.adminPort), '--node-id', s.name, '--log-level', s.logLevel ?? 'info');
    if (s.redisUrl) args.push('--redis-url', s.redisUrl);
    const child = spawn(CLI[0], [...CLI.slice(1), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        GANTRY_ADMIN_TOKEN: CLUSTER_ADMIN_TOKEN,
        GANTRY_SECRET_KEY: CLUSTER_SECRET_KEY,
        GANTRY_CONFIG_POLL_MS: String(s.pollMs ?? 500),
        GANTRY_REDIS_PREFIX: s.redisPrefix ?? '',
        GANTRY_REDIS_URL: '',
        GANTRY_SNAPSHOT_FILE: '',
        GANTRY_SHUTDOWN_GRACE_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.stdout!.on('data', (d) => (this.#out += d));
    child.stderr!.on('data', (d) => (this.#out += d));
    const probe = s.role === 'control' ? `${this.adminUrl}/api/v1/openapi.json` : `${this.dataUrl}/__gantry_probe`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${s.name} exited (${child.exitCode ?? child.signalCode}):\n${this.#out.slice(-4000)}`);
      }
      if ((await statusOf(probe)) !== undefined) return;
      if (Date.now() > deadline) throw new Error(`${s.name} did not come up in ${timeoutMs} ms:\n${this.#out.slice(-4000)}`);
      await sleep(100);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 8000): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the process and removes its data dir. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.spec.dataDir, { recursive: true, force: true });
  }

  /** Admin API call with the cluster's admin token. */
  async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.adminUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The status of GET `url` (body read and dropped), or undefined when nothing answers. */
export async function statusOf(url: string, timeoutMs = 2000): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

/**
 * Polls GET `url` every `everyMs` until it answers `status`; resolves with the time it took from
 * `since` (ms), or rejects after `boundMs`.
 */
export async function timeUntilStatus(url: string, status: number, since: number, opts: { everyMs?: number; boundMs?: number } = {}): Promise<number> {
  const everyMs = opts.everyMs ?? 5;
  const boundMs = opts.boundMs ?? 5000;
  for (;;) {
    if ((await statusOf(url)) === status) return performance.now() - since;
    if (performance.now() - since > boundMs) throw new Error(`${url} did not answer ${status} within ${boundMs} ms`);
    await sleep(everyMs);
  }
}

/** A tiny upstream answering `{ upstream: name, path }`. */
export async function startEchoUpstream(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ upstream: name, path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A bounded load loop against `urls` (round robin, `concurrency` at a time) until `until()` holds or
 * `maxMs` passes; counts answers by status and connection failures.
 */
export async function load(
  urls: readonly string[],
  opts: { concurrency?: number; maxMs: number; until?: () => boolean },
): Promise<{ total: number; byStatus: Record<string, number>; failures: string[] }> {
  const byStatus: Record<string, number> = {};
  const failures: string[] = [];
  let total = 0;
  const end = Date.now() + opts.maxMs;
  const worker = async (offset: number) => {
    for (let i = offset; Date.now() < end && !(opts.until?.() ?? false); i++) {
      const url = urls[i % urls.length]!;
      total++;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const text = await res.text();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500 && failures.length < 10) failures.push(`${url} → ${res.status} ${text.slice(0, 300)}`);
      } catch (err) {
        byStatus.error = (byStatus.error ?? 0) + 1;
        if (failures.length < 10) failures.push(`${url} → ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, (_, i) => worker(i)));
  return { total, byStatus, failures };
}
