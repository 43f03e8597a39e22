/**
 * The CLI as a user runs it: separate processes, a fresh data dir, real ports.
 */
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
const run = promisify(execFile);

function gantry(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(CLI[0]!, [...CLI.slice(1), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

interface Node {
  child: ChildProcess;
  stdout: () => string;
  port: number;
  adminPort: number;
}

async function startNode(dataDir: string): Promise<Node> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(CLI[0]!, [...CLI.slice(1), 'start', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, GANTRY_ADMIN_TOKEN: '', GANTRY_CONFIG_POLL_MS: '200' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gantry start exited: ${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/api/v1/openapi.json`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`gantry start did not come up: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, stdout: () => out, port, adminPort };
}

async function stopNode(node: Node): Promise<number | null> {
  if (node.child.exitCode !== null) return node.child.exitCode;
  node.child.kill('SIGTERM');
  return new Promise((r) => node.child.once('exit', (code) => r(code)));
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Each CLI call is a fresh Node process that compiles TypeScript with tsx: allow for it.
describe('gantry CLI', { timeout: 60_000 }, () => {
  let dataDir: string;
  let upstream: http.Server;
  let upstreamUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
    upstream = http.createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
  });
  afterAll(() => {
    upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrate creates the embedded database and is idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-cli-migrate-'));
    const first = await gantry(['migrate', '--data-dir', dir]);
    expect(first.stdout).toMatch(/applied: \S+/);
    const second = await gantry(['migrate', '--data-dir', dir]);
    expect(second.stdout).toMatch(/up to date/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('start prints the first admin token once, serves, applies files, and exits cleanly on SIGTERM', async () => {
    const node = await startNode(dataDir);
    const token = /(gadm_[A-Za-z0-9_-]{43})/.exec(node.stdout())?.[1];
    expect(token, node.stdout()).toBeDefined();
    const auth = { authorization: `Bearer ${token}` };
    const status = await fetch(`http://127.0.0.1:${node.adminPort}/api/v1/status`, { headers: auth });
    expect(status.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${node.adminPort}/api/v1/status`)).status).toBe(401);

    // create-token writes to the same database; the running node accepts the new token.
    const created = await gantry(['admin', 'create-token', '--name', 'ci', '--data-dir', dataDir]);
    const second = created.stdout.trim();
    expect(second).toMatch(/^gadm_/);
    expect((await fetch(`http://127.0.0.1:${node.adminPort}/api/v1/status`, { headers: { authorization: `Bearer ${second}` } })).status).toBe(200);

    // apply a file through the CLI while the node runs: it serves the new route without a restart.
    const file = join(dataDir, 'gantry.yaml');
    writeFileSync(
      file,
      `version: 1
teams:
  - name: default
    upstreams: [{ name: echo, targets: [{ url: '${upstreamUrl}' }] }]
    services:
      - name: echo
        upstream: echo
        routes: [{ name: echo, paths: ['/echo/*'], strip_prefix: true }]
`,
    );
    const dry = await gantry(['apply', '-f', file, '--dry-run', '--data-dir', dataDir]);
    expect(dry.stdout).toMatch(/\+ route default\/echo/);
    expect(dry.stdout).toMatch(/Dry run: nothing was changed/);
    expect((await fetch(`http://127.0.0.1:${node.port}/echo/x`)).status).toBe(404);
    const applied = await gantry(['apply', '-f', file, '--data-dir', dataDir]);
    expect(applied.stdout).toMatch(/Plan: 3 to create/);
    const body = await until(async () => {
      const res = await fetch(`http://127.0.0.1:${node.port}/echo/hello?q=1`);
      return res.status === 200 ? res.json() : undefined;
    }, 5000);
    expect(body).toEqual({ path: '/hello?q=1' });
    expect((await gantry(['apply', '-f', file, '--data-dir', dataDir])).stdout).toMatch(/No changes/);

    // export writes what apply reads back as no change.
    const exported = await gantry(['export', '--data-dir', dataDir]);
    expect(exported.stdout).toContain('name: echo');
    writeFileSync(join(dataDir, 'exported.yaml'), exported.stdout);
    expect((await gantry(['apply', '-f', join(dataDir, 'exported.yaml'), '--dry-run', '--data-dir', dataDir])).stdout).toMatch(/No changes/);

    expect(await stopNode(node)).toBe(0);

    // A second start on the same data dir creates no new token and prints none.
    const again = await startNode(dataDir);
    expect(again.stdout()).not.toMatch(/gadm_/);
    expect((await fetch(`http://127.0.0.1:${again.adminPort}/api/v1/status`, { headers: auth })).status).toBe(200);
    expect(await stopNode(again)).toBe(0);
  }, 120_000);

  it('refuses a bad file with the path of the problem and a non-zero exit', async () => {
    const file = join(dataDir, 'bad.yaml');
    writeFileSync(file, 'version: 1\nteams: [{ name: default, upstreams: [{ name: u, targets: [] }] }]\n');
    const err = await gantry(['apply', '-f', file, '--data-dir', dataDir]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/\/teams\/0\/upstreams\/0\/targets/);
    expect(readFileSync(file, 'utf8')).toContain('targets: []');
  });

  it('says what is wrong with a bad flag', async () => {
    const err = await gantry(['start', '--port', 'eighty', '--data-dir', dataDir]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/--port: expected a whole number/);
  });
});
