import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { SqliteCheckpointer } from '../../src/store/sqlite-checkpointer.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-checkpointer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

test('copies what a writer appended to the WAL into the database file, from its own thread', async () => {
  const file = join(root, 'wal.db');
  const writer = new BetterSqlite3(file);
  writer.pragma('journal_mode = WAL');
  // The writer never checkpoints: only the checkpointer can move pages into the database file.
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec('create table t (v text)');
  const insert = writer.prepare('insert into t (v) values (?)');
  writer.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(1000));
  })();
  const before = statSync(file).size;
  expect(before).toBeLessThan(100_000);

  const failures: Error[] = [];
  const checkpointer = new SqliteCheckpointer(file, (err) => failures.push(err), 20);
  try {
    expect(await until(() => statSync(file).size > 1_000_000, 10_000)).toBe(true);
  } finally {
    await checkpointer.close();
    writer.close();
  }
  expect(failures).toEqual([]);
});

test('reports a database it cannot open', async () => {
  const failures: Error[] = [];
  // A directory is not a database file.
  const checkpointer = new SqliteCheckpointer(root, (err) => failures.push(err), 20);
  expect(await until(() => failures.length > 0, 10_000)).toBe(true);
  await checkpointer.close();
  expect(failures).toHaveLength(1);
});

test('close() keeps a process that has nothing else to do alive until the thread has stopped', () => {
  const file = join(root, 'alone.db');
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.close();
  // A script whose only pending work is `await close()`: it must go on to the next line.
  const script = [
    `import { SqliteCheckpointer } from ${JSON.stringify(new URL('../../src/store/sqlite-checkpointer.ts', import.meta.url).pathname)};`,
    `const c = new SqliteCheckpointer(${JSON.stringify(file)}, () => {});`,
    'await c.close();',
    "console.log('closed');",
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: 'closed' });
});
