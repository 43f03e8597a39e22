/**
 * Starting a node while PostgreSQL is unreachable (cut at a TCP forwarder; the server stays up):
 * data planes serve their snapshot file, the admin API waits for the store, and nothing starts on an
 * empty configuration.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGantry } from '../../src/app.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { startTestGantry, TEST_ADMIN_TOKEN, type TestGantry } from '../helpers/gantry.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { describeGated, eventually } from '../helpers/redis.js';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';
import { startEchoUpstream, statusOf } from './harness.js';

const PG_URL = postgresTestUrl();

describeGated('a node starting while PostgreSQL is unreachable', PG_URL ? null : 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it', () => {
  let db: { url: string; drop(): Promise<void> };
  let pg: TcpForwarder;
  let databaseUrl: string;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let first: TestGantry;
  let serviceId: string;
  const dirs: string[] = [];

  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'gantry-outage-'));
    dirs.push(d);
    return d;
  };

  /** startGantry on a temp dir of this suite's own (removed afterwards, also when the start fails). */
  const start = (overrides: Partial<Settings>) => {
    const settings: Settings = {
      ...loadSettings({ data_dir: tempDir() }, {}),
      host: '127.0.0.1',
      port: 0,
      adminHost: '127.0.0.1',
      adminPort: 0,
      configPollMs: 100,
      databaseUrl,
      ...overrides,
    };
    return startGantry(settings, { logger: pino({ level: 'silent' }) });
  };

  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    ({ forwarder: pg, url: databaseUrl } = await TcpForwarder.forUrl(db.url));
    upstream = await startEchoUpstream('echo');
    first = await startTestGantry({ databaseUrl, role: 'all', configPollMs: 100 });
    const ups = await first.api('POST', '/upstreams', { name: 'echo', targets: [{ url: upstream.url }] });
    const svc = await first.api('POST', '/services', { name: 'echo', upstream_id: ups.body.id });
    serviceId = svc.body.id;
    expect((await first.api('POST', '/routes', { name: 'one', service_id: serviceId, paths: ['/one/*'] })).status).toBe(201);
  });

  afterAll(async () => {
    await first?.stop();
    await pg?.close();
    await upstream?.close();
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('writes each applied configuration to its snapshot file', async () => {
    const file = first.settings.snapshotFile;
    expect(file).toBe(join(first.dataDir, 'snapshot.json'));
    await eventually(() => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')).config.version === first.dataPlane!.configVersion;
      } catch {
        return false;
      }
    }, 5000);
    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    expect(snapshot.config.routes.map((r: { name: string }) => r.name)).toEqual(['one']);
  });

  it('role all: serves from the snapshot file while the store is cut, and starts its admin API once it is back', async () => {
    const snapshotFile = join(tempDir(), 'copied-snapshot.json');
    copyFileSync(first.settings.snapshotFile, snapshotFile);
    await pg.cut();
    const node = await start({ role: 'all', snapshotFile });
    try {
      expect(node.dataUrl).toBeDefined();
      expect(node.adminUrl).toBeUndefined();
      expect(await statusOf(`${node.dataUrl}/one/x`)).toBe(200);
      expect(await statusOf(`${first.dataUrl}/one/x`)).toBe(200);

      await pg.restore();
      await eventually(() => node.adminUrl !== undefined, 10_000);
      const change = await first.api('POST', '/routes', { name: 'two', service_id: serviceId, paths: ['/two/*'] });
      expect(change.status).toBe(201);
      // The restarted node follows the store again (LISTEN/NOTIFY or its poll).
      await eventually(async () => (await statusOf(`${node.dataUrl}/two/x`)) === 200, 5000);
      // Its own admin API works, and its changes reach the other node.
      const res = await fetch(`${node.adminUrl}/api/v1/routes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'three', service_id: serviceId, paths: ['/three/*'] }),
      });
      expect(res.status).toBe(201);
      expect(await statusOf(`${node.dataUrl}/three/x`)).toBe(200);
      await eventually(async () => (await statusOf(`${first.dataUrl}/three/x`)) === 200, 5000);
    } finally {
      await pg.restore();
      await node.close();
    }
  });

  it('role data without a snapshot file refuses to start while the store is cut, naming the file', async () => {
    await pg.cut();
    try {
      const snapshotFile = join(tempDir(), 'none.json');
      await expect(start({ role: 'data', snapshotFile })).rejects.toThrow(`there is no snapshot file at ${snapshotFile}`);
    } finally {
      await pg.restore();
    }
  });

  it('role data with a corrupt snapshot file refuses to start, saying why', async () => {
    const snapshotFile = join(tempDir(), 'corrupt.json');
    writeFileSync(snapshotFile, '{"format":');
    await pg.cut();
    try {
      await expect(start({ role: 'data', snapshotFile })).rejects.toThrow(/snapshot file .* is not valid JSON/);
    } finally {
      await pg.restore();
    }
  });

  it('role control refuses to start while the store is cut', async () => {
    await pg.cut();
    try {
      await expect(start({ role: 'control' })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await pg.restore();
    }
  });
});
