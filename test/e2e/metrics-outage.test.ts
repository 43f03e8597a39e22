/**
 * A `--role all` node started while PostgreSQL is unreachable (cut at a TCP forwarder) serves its
 * snapshot; until its admin API can start, its admin port still answers /metrics and /healthz, and
 * once the store is back the admin API takes the port over with /metrics on it.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGantry } from '../../src/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { startTestGantry, type TestGantry } from '../helpers/gantry.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { scrape } from '../helpers/prometheus.js';
import { describeGated, eventually } from '../helpers/redis.js';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';

const PG_URL = postgresTestUrl();

describeGated('/metrics while the store is unreachable at start', PG_URL ? null : 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it', () => {
  let db: { url: string; drop(): Promise<void> };
  let pg: TcpForwarder;
  let databaseUrl: string;
  let up: UpstreamFixture;
  let first: TestGantry;
  const dir = mkdtempSync(join(tmpdir(), 'gantry-metrics-outage-'));

  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    ({ forwarder: pg, url: databaseUrl } = await TcpForwarder.forUrl(db.url));
    up = await startUpstream('a');
    first = await startTestGantry({ databaseUrl, configPollMs: 100 });
    const ups = await first.api('POST', '/upstreams', { name: 'pool', targets: [{ url: up.url }] });
    const svc = await first.api('POST', '/services', { name: 'svc', upstream_id: ups.body.id });
    expect((await first.api('POST', '/routes', { name: 'one', service_id: svc.body.id, paths: ['/one/*'] })).status).toBe(201);
    await eventually(async () => (await fetch(`${first.dataUrl}/one/x`)).status === 200, 5000);
  });
  afterAll(async () => {
    await pg?.restore();
    await first?.stop();
    await pg?.close();
    await up?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics on the admin port before the admin API can start, then from the admin API', async () => {
    const snapshotFile = join(dir, 'snapshot.json');
    await eventually(async () => {
      try {
        copyFileSync(first.settings.snapshotFile, snapshotFile);
        return true;
      } catch {
        return false;
      }
    }, 5000);
    await pg.cut();
    const settings = { ...loadSettings({ data_dir: dir }, {}), host: '127.0.0.1', port: 0, adminHost: '127.0.0.1', adminPort: 0, configPollMs: 100, databaseUrl, snapshotFile };
    const node = await startGantry(settings, { logger: pino({ level: 'silent' }) });
    try {
      expect(node.adminUrl).toBeUndefined();
      expect((await fetch(`${node.dataUrl}/one/x`)).status).toBe(200);
      const during = await scrape(node.metricsUrl!);
      expect(during.find('gantry_build_info', { role: 'all' })).toHaveLength(1);
      expect(during.value('gantry_config_version')).toBe(first.dataPlane!.configVersion);
      expect(during.find('gantry_config_store_reachable').map((x) => x.value)).toEqual([0]);
      expect(during.value('gantry_http_requests_total', { route: 'one', status: '200' })).toBeGreaterThanOrEqual(1);
      expect((await fetch(node.metricsUrl!.replace(/\/metrics$/, '/api/v1/status'))).status).toBe(404);

      await pg.restore();
      await eventually(() => node.adminUrl !== undefined, 10_000);
      expect(node.metricsUrl).toBe(`${node.adminUrl}/metrics`);
      const after = await scrape(node.metricsUrl!);
      expect(after.find('gantry_build_info', { role: 'all' })).toHaveLength(1);
      expect((await fetch(`${node.adminUrl}/healthz`)).status).toBe(200);
      await eventually(async () => (await scrape(node.metricsUrl!)).value('gantry_config_store_reachable') === 1, 5000);
    } finally {
      await node.close();
    }
  });
});
