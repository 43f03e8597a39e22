import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshotFile, SnapshotFileError, SnapshotWriter, writeSnapshotFile } from '../../src/cluster/snapshot-file.js';
import type { ConfigData } from '../../src/core/model.js';
import { EMPTY_CONFIG } from '../../src/gateway/data-plane.js';

const config = (version: number): ConfigData => ({ ...EMPTY_CONFIG, version });

describe('snapshot file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-snapshot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips the configuration, readable by the owner only, creating the directory', async () => {
    const path = join(dir, 'nested', 'snapshot.json');
    await writeSnapshotFile(path, config(7));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    const read = await readSnapshotFile(path);
    expect(read?.config).toEqual(config(7));
    expect(Date.parse(read!.writtenAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('replaces the previous snapshot by rename, leaving no temp file behind', async () => {
    const path = join(dir, 'snapshot.json');
    await writeSnapshotFile(path, config(1));
    await writeSnapshotFile(path, config(2));
    expect((await readSnapshotFile(path))?.config.version).toBe(2);
    expect(readdirSync(dir)).toEqual(['snapshot.json']);
  });

  it('reads a missing file as no snapshot, and refuses a corrupt or foreign one with the reason', async () => {
    const path = join(dir, 'snapshot.json');
    expect(await readSnapshotFile(path)).toBeUndefined();
    writeFileSync(path, '{"format":"gantry-config-snapshot","format_version":1,"written_at":"x","config":{"ver');
    await expect(readSnapshotFile(path)).rejects.toThrow(SnapshotFileError);
    writeFileSync(path, JSON.stringify({ format: 'gantry-config-snapshot', format_version: 1, written_at: 'x', config: { ...config(3), routes: null } }));
    await expect(readSnapshotFile(path)).rejects.toThrow(/config\.routes is not a list/);
    writeFileSync(path, JSON.stringify({ format: 'something-else', config: config(3) }));
    await expect(readSnapshotFile(path)).rejects.toThrow(/format/);
  });

  it('a writer saves bursts one at a time and ends with the newest', async () => {
    const path = join(dir, 'snapshot.json');
    const errors: unknown[] = [];
    const writer = new SnapshotWriter(path, (err) => errors.push(err));
    for (let v = 1; v <= 50; v++) writer.save(config(v));
    await writer.flush();
    expect(errors).toEqual([]);
    expect(JSON.parse(readFileSync(path, 'utf8')).config.version).toBe(50);
  });

  it('a writer reports a failed write and keeps working', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const errors: unknown[] = [];
    const writer = new SnapshotWriter(join(blocker, 'snapshot.json'), (err) => errors.push(err));
    writer.save(config(1));
    await writer.flush();
    expect(errors).toHaveLength(1);
    writer.save(config(2));
    await writer.flush();
    expect(errors).toHaveLength(2);
  });
});
