import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, redactUrl, SettingsError } from '../../src/config/settings.js';

function settingsFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-settings-'));
  const file = join(dir, 'gantry.settings.yaml');
  writeFileSync(file, text);
  return file;
}

describe('node settings', () => {
  it('defaults to the embedded setup: :8080, admin on 127.0.0.1:9080, SQLite under ./data', () => {
    const s = loadSettings({}, {});
    expect(s).toMatchObject({ role: 'all', host: '0.0.0.0', port: 8080, adminHost: '127.0.0.1', adminPort: 9080 });
    expect(s.databaseUrl).toBe(resolve('data', 'gantry.db'));
    expect(s.maxBodyBytes).toBe(10 * 1024 * 1024);
  });

  it('takes flags over env over the settings file', () => {
    const file = settingsFile('port: 7000\nadmin_port: 7001\nlog_level: debug\n');
    const env = { GANTRY_PORT: '7100', GANTRY_CONFIG: file };
    const s = loadSettings({ admin_port: '7201' }, env);
    expect(s.port).toBe(7100); // env beats file
    expect(s.adminPort).toBe(7201); // flag beats file
    expect(s.logLevel).toBe('debug'); // file beats default
  });

  it('puts the database in the data dir unless a URL is given', () => {
    expect(loadSettings({ data_dir: '/tmp/gx' }, {}).databaseUrl).toBe('/tmp/gx/gantry.db');
    const pg = 'postgres://u:p@127.0.0.1/db';
    expect(loadSettings({}, { GANTRY_DATABASE_URL: pg }).databaseUrl).toBe(pg);
  });

  it('says which setting is wrong and why', () => {
    expect(() => loadSettings({ port: 'eighty' }, {})).toThrow(/--port: expected a whole number, got 'eighty'/);
    expect(() => loadSettings({}, { GANTRY_TRUST_PROXY: 'maybe' })).toThrow(/GANTRY_TRUST_PROXY: expected true or false/);
    expect(() => loadSettings({}, { GANTRY_PORT: '70000' })).toThrow(SettingsError);
    const file = settingsFile('prot: 80\n');
    expect(() => loadSettings({ config: file }, {})).toThrow(/settings file .*prot/);
    expect(() => loadSettings({ config: '/nonexistent/x.yaml' }, {})).toThrow(/cannot read settings file/);
    expect(() => loadSettings({ config: settingsFile('port: [1,') }, {})).toThrow(/not valid YAML/);
  });

  it('bounds the in-memory response cache: 256 MiB by default, cache_max_bytes or GANTRY_CACHE_MAX_BYTES, at least 1 MiB', () => {
    expect(loadSettings({}, {}).cacheMaxBytes).toBe(256 * 1024 * 1024);
    expect(loadSettings({}, { GANTRY_CACHE_MAX_BYTES: '33554432' }).cacheMaxBytes).toBe(32 * 1024 * 1024);
    expect(loadSettings({ config: settingsFile('cache_max_bytes: 2097152\n') }, {}).cacheMaxBytes).toBe(2 * 1024 * 1024);
    expect(() => loadSettings({}, { GANTRY_CACHE_MAX_BYTES: '1000' })).toThrow(/cache_max_bytes/);
  });

  it('never shows a database password in what it logs', () => {
    expect(redactUrl('postgres://gantry:s3cret@db:5432/gantry')).toBe('postgres://gantry:***@db:5432/gantry');
    expect(redactUrl('/var/lib/gantry/gantry.db')).toBe('/var/lib/gantry/gantry.db');
  });
});
