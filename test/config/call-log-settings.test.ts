import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/config/settings.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-call-log-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const path = join(dir, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('call_logs settings', () => {
  it('logs every call to the store by default, dropping the oldest when the store falls behind', () => {
    const s = loadSettings({}, {}).callLogs;
    expect(s).toMatchObject({ enabled: true, store: true, store_writer: 'auto', overflow: 'drop-oldest', retention: { days: 30 } });
    expect(s.file).toBeUndefined();
    expect(s.webhook).toBeUndefined();
  });

  it('reads the settings file section, and env vars override it', () => {
    const path = file(
      'call_logs:\n  overflow: spool\n  retention:\n    days: 7\n    teams:\n      team_a: 90\n  file:\n    path: /var/log/gantry/calls.jsonl\n',
    );
    const fromFile = loadSettings({ config: path }, {}).callLogs;
    expect(fromFile).toMatchObject({ enabled: true, overflow: 'spool', retention: { days: 7, teams: { team_a: 90 } }, file: { path: '/var/log/gantry/calls.jsonl' } });

    const env = {
      GANTRY_CALL_LOGS: 'off',
      GANTRY_CALL_LOGS_OVERFLOW: 'drop-oldest',
      GANTRY_CALL_LOGS_RETENTION_DAYS: '3',
      GANTRY_CALL_LOGS_FILE: '/tmp/calls.jsonl',
      GANTRY_CALL_LOGS_WEBHOOK_URL: 'https://logs.example.com/ingest',
    };
    const s = loadSettings({ config: path }, env).callLogs;
    expect(s).toMatchObject({
      enabled: false,
      overflow: 'drop-oldest',
      retention: { days: 3, teams: { team_a: 90 } },
      file: { path: '/tmp/calls.jsonl' },
      webhook: { url: 'https://logs.example.com/ingest' },
    });
    expect(loadSettings({}, { GANTRY_CALL_LOGS: 'on' }).callLogs.enabled).toBe(true);
  });

  it('says which call_logs setting is wrong', () => {
    expect(() => loadSettings({}, { GANTRY_CALL_LOGS: 'sometimes' })).toThrow(/GANTRY_CALL_LOGS: expected on or off/);
    expect(() => loadSettings({}, { GANTRY_CALL_LOGS_RETENTION_DAYS: 'week' })).toThrow(/GANTRY_CALL_LOGS_RETENTION_DAYS: expected a whole number/);
    expect(() => loadSettings({}, { GANTRY_CALL_LOGS_OVERFLOW: 'block' })).toThrow(SettingsError);
    expect(() => loadSettings({ config: file('call_logs:\n  queue:\n    max_records: 5\n') }, {})).toThrow(/call_logs\.queue\.max_records/);
    expect(() => loadSettings({ config: file('call_logs:\n  colour: red\n') }, {})).toThrow(SettingsError);
    expect(() => loadSettings({ config: file('call_logs: yes\n') }, {})).toThrow(SettingsError);
  });
});
