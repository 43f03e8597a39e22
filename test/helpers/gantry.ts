/**
 * Starts a whole Gantry node in-process for tests: data plane and admin API on ephemeral loopback
 * ports, a fresh SQLite database in a temp dir (or the given database URL), a known admin token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startGantry, type Gantry } from '../../src/app.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';

export const TEST_ADMIN_TOKEN = 'gadm_test_' + 'a'.repeat(43);

export interface TestGantry extends Gantry {
  dataUrl: string;
  adminUrl: string;
  dataDir: string;
  /** Admin API call with the org admin token; returns status and parsed body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestGantry(overrides: Partial<Settings> = {}): Promise<TestGantry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-test-'));
  const settings: Settings = {
    ...loadSettings({ data_dir: dataDir }, {}),
    host: '127.0.0.1',
    port: 0,
    adminHost: '127.0.0.1',
    adminPort: 0,
    configPollMs: 200,
    shutdownGraceMs: 2000,
    logLevel: 'silent',
    ...overrides,
  };
  const gantry = await startGantry(settings, { logger: pino({ level: 'silent' }), bootstrapToken: TEST_ADMIN_TOKEN });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gantry.adminUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return Object.assign(gantry, {
    dataUrl: gantry.dataUrl!,
    adminUrl: gantry.adminUrl!,
    dataDir,
    api,
    stop: async () => {
      await gantry.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
