import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Spool } from '../../src/telemetry/spool.js';
import { callRecord } from '../store/conformance/call-fixtures.js';
import { tempDir } from './helpers.js';

const root = tempDir();
let n = 0;
const item = (request_id: string) => ({ record: callRecord({ request_id }), bodies: null });
const names = (items: Array<{ record: { request_id: string } }>) => items.map((i) => i.record.request_id);

describe('spool', () => {
  test('reads back oldest first across segments; a committed batch is not read again', async () => {
    const spool = await Spool.open({ dir: join(root, `s${++n}`), segmentBytes: 2000 });
    for (let i = 0; i < 10; i++) expect(await spool.append([item(`a${i}`)])).toBe(1);
    expect(spool.records).toBe(10);
    const seen: string[] = [];
    for (;;) {
      const batch = await spool.read(3);
      if (batch === null) break;
      seen.push(...names(batch.items));
      await batch.commit();
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(spool.records).toBe(0);
    expect(spool.bytes).toBe(0);
    await spool.close();
  });

  test('an uncommitted batch is read again; a reopened spool resumes after the last commit', async () => {
    const dir = join(root, `s${++n}`);
    const first = await Spool.open({ dir });
    await first.append(['x0', 'x1', 'x2', 'x3', 'x4'].map(item));
    const b1 = await first.read(2);
    await b1!.commit();
    const b2 = await first.read(2);
    expect(names(b2!.items)).toEqual(['x2', 'x3']);
    const again = await first.read(2);
    expect(names(again!.items)).toEqual(['x2', 'x3']);
    await first.close();

    const second = await Spool.open({ dir });
    expect(second.records).toBe(3);
    const rest = await second.read(10);
    expect(names(rest!.items)).toEqual(['x2', 'x3', 'x4']);
    await rest!.commit();
    expect(await second.read(10)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    await second.close();
  });

  test('a line cut short by a crash is skipped; appends beyond maxBytes are refused', async () => {
    const dir = join(root, `s${++n}`);
    const spool = await Spool.open({ dir, maxBytes: 3000 });
    await spool.append([item('ok')]);
    await spool.close();
    const segment = readdirSync(dir).find((f) => f.endsWith('.jsonl'))!;
    appendFileSync(join(dir, segment), '{"r":{"id":"call_');
    const reopened = await Spool.open({ dir, maxBytes: 3000 });
    const batch = await reopened.read(10);
    expect(names(batch!.items)).toEqual(['ok']);
    await batch!.commit();
    expect(await reopened.read(10)).toBeNull();
    const many = Array.from({ length: 20 }, (_, i) => item(`m${i}`));
    const written = await reopened.append(many);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(20);
    expect(reopened.bytes).toBeLessThanOrEqual(3000);
    await reopened.close();
  });
});
