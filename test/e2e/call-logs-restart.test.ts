/**
 * "A clean restart loses nothing": records accepted before a node closes (in-process close, or
 * SIGTERM to `gantry start`) are all in the store afterwards, although the pipeline's flush interval
 * is far longer than the test (so nothing was written before the close). SQLite, and PostgreSQL
 * when GANTRY_TEST_POSTGRES_URL is set.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCallLogSettings } from '../../src/telemetry/settings.js';
import { createStore } from '../../src/store/index.js';
import { startTestGantry, TEST_ADMIN_TOKEN, type TestGantry } from '../helpers/gantry.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Nothing is written by the timer while a test runs: only the close can write the records. */
const NO_TIMER = { queue: { flush_interval_ms: 60_000, batch_size: 50_000 } };
const CALLS = 300;

let upstream: http.Server;
let upstreamUrl: string;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
});
afterAll(() => upstream.close());

async function configure(api: TestGantry['api']): Promise<void> {
  const ups = await api('POST', '/upstreams', { name: 'u', targets: [{ url: upstreamUrl }] });
  const svc = await api('POST', '/services', { name: 's', upstream_id: ups.body.id });
  expect((await api('POST', '/routes', { name: 'r', service_id: svc.body.id, paths: ['/r/*'] })).status).toBe(201);
}

/** `CALLS` requests, 10 at a time; returns their request ids. */
async function traffic(dataUrl: string, tag: string): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < CALLS) {
      const id = `${tag}-${next++}`;
      const res = await fetch(`${dataUrl}/r/${id}`, { headers: { 'x-request-id': id } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return ids;
}

async function storedRequestIds(url: string): Promise<string[]> {
  const store = await createStore({ url });
  try {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.callLogs.query('all', {}, { limit: 500, cursor });
      ids.push(...page.items.map((r) => r.request_id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    return ids.sort();
  } finally {
    await store.close();
  }
}

async function restartLosesNothing(databaseUrl?: string): Promise<void> {
  const callLogs = parseCallLogSettings(NO_TIMER);
  const first = await startTestGantry({ callLogs, ...(databaseUrl ? { databaseUrl } : {}) });
  const url = first.settings.databaseUrl;
  let second: TestGantry | undefined;
  try {
    await configure(first.api);
    const sent = await traffic(first.dataUrl, 'first');
    // Accepted, none written yet: the close has everything to do.
    const before = first.callLogging!.stats().sinks[0]!;
    expect(before.written).toBe(0);
    expect(before.accepted).toBe(CALLS);
    await first.close();
    expect(await storedRequestIds(url)).toEqual(sent.sort());

    // Restarted on the same database: the records are there, and new ones join them.
    second = await startTestGantry({ callLogs, databaseUrl: url });
    const more = await traffic(second.dataUrl, 'second');
    await second.close();
    expect(await storedRequestIds(url)).toEqual([...sent, ...more].sort());
  } finally {
    await first.stop();
    await second?.stop();
  }
}

describe('call logs across a restart', { timeout: 120_000 }, () => {
  it('writes every accepted record on close (SQLite, worker-thread writer)', async () => {
    await restartLosesNothing();
  });

  const pgUrl = postgresTestUrl();
  it.skipIf(!pgUrl)('writes every accepted record on close (PostgreSQL)', async () => {
    const db = await createTempDatabase(pgUrl!);
    try {
      await restartLosesNothing(db.url);
    } finally {
      await db.drop();
    }
  });

  it('exports the same records to a JSON-lines file and a webhook, flushed on close', async () => {
    const batches: unknown[][] = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        expect(req.headers.authorization).toBe('Bearer hook-secret');
        batches.push(JSON.parse(body) as unknown[]);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'gantry-sinks-'));
    const file = join(dir, 'calls.jsonl');
    const callLogs = parseCallLogSettings({
      ...NO_TIMER,
      file: { path: file },
      webhook: { url: `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/ingest`, headers: { authorization: 'Bearer hook-secret' } },
    });
    const g = await startTestGantry({ callLogs });
    try {
      await configure(g.api);
      const sent = await traffic(g.dataUrl, 'sink');
      await g.close();
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request_id: string; trace_id: string });
      expect(lines.map((r) => r.request_id).sort()).toEqual([...sent].sort());
      expect(lines.every((r) => /^[0-9a-f]{32}$/.test(r.trace_id))).toBe(true);
      expect((batches.flat() as { request_id: string }[]).map((r) => r.request_id).sort()).toEqual([...sent].sort());
      expect(await storedRequestIds(g.settings.databaseUrl)).toEqual([...sent].sort());
    } finally {
      await g.stop();
      hook.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records nothing when call logging is off (GANTRY_CALL_LOGS=off)', async () => {
    const g = await startTestGantry({ callLogs: parseCallLogSettings({ enabled: false }) });
    try {
      expect(g.callLogging).toBeUndefined();
      await configure(g.api);
      const res = await fetch(`${g.dataUrl}/r/x`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await g.close();
      expect(await storedRequestIds(g.settings.databaseUrl)).toEqual([]);
    } finally {
      await g.stop();
    }
  });

  it('writes every accepted record when `gantry start` gets SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-sigterm-'));
    try {
      const settingsFile = join(dataDir, 'settings.yaml');
      writeFileSync(settingsFile, 'call_logs:\n  queue:\n    flush_interval_ms: 60000\n    batch_size: 50000\n');
      const ports: number[] = [];
      for (let i = 0; i < 2; i++) {
        const srv = net.createServer();
        await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
        ports.push((srv.address() as net.AddressInfo).port);
        await new Promise((r) => srv.close(r));
      }
      const [port, adminPort] = ports as [number, number];
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start', '--config', settingsFile, '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'warn'],
        { cwd: ROOT, env: { ...process.env, GANTRY_ADMIN_TOKEN: TEST_ADMIN_TOKEN, GANTRY_CONFIG_POLL_MS: '200' } },
      );
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        const admin = `http://127.0.0.1:${adminPort}/api/v1`;
        const api: TestGantry['api'] = async (method, path, body) => {
          const res = await fetch(`${admin}${path}`, {
            method,
            headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: res.status, body: await res.json() };
        };
        const deadline = Date.now() + 60_000;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`gantry start exited: ${out}`);
          const up = await fetch(`${admin}/openapi.json`).then((r) => r.ok, () => false);
          if (up) break;
          if (Date.now() > deadline) throw new Error(`gantry start did not come up: ${out}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        await configure(api);
        const sent = await traffic(`http://127.0.0.1:${port}`, 'term');
        child.kill('SIGTERM');
        expect(await exited, out).toBe(0);
        expect(await storedRequestIds(join(dataDir, 'gantry.db'))).toEqual(sent.sort());
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
