import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/config/settings.js';

describe('cluster settings', () => {
  it('take Redis from flag or env, with a default prefix, and keep the snapshot file in the data dir', () => {
    const s = loadSettings({ data_dir: '/var/lib/gantry' }, {});
    expect(s.redisUrl).toBeUndefined();
    expect(s.redisPrefix).toBe('gantry');
    expect(s.snapshotFile).toBe('/var/lib/gantry/snapshot.json');

    const env = { GANTRY_REDIS_URL: 'redis://env:6379', GANTRY_REDIS_PREFIX: 'blue', GANTRY_SNAPSHOT_FILE: 'snap/last.json' };
    const fromEnv = loadSettings({}, env);
    expect(fromEnv).toMatchObject({ redisUrl: 'redis://env:6379', redisPrefix: 'blue', snapshotFile: resolve('snap/last.json') });
    expect(loadSettings({ redis_url: 'rediss://flag:6380/2' }, env).redisUrl).toBe('rediss://flag:6380/2');
  });

  it('refuse a Redis URL of another scheme and a prefix with spaces, naming the setting', () => {
    expect(() => loadSettings({ redis_url: 'http://localhost:6379' }, {})).toThrow(SettingsError);
    expect(() => loadSettings({}, { GANTRY_REDIS_URL: 'localhost:6379' })).toThrow(/redis_url/);
    expect(() => loadSettings({}, { GANTRY_REDIS_PREFIX: 'my cluster' })).toThrow(/redis_prefix/);
  });
});
