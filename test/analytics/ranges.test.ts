import { describe, expect, test } from 'vitest';
import { RESOLUTION_MS, alignRange, splitRange } from '../../src/analytics/ranges.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 1);

describe('rollup ranges', () => {
  test('a range is cut into whole days, then hours, then minutes, covering it exactly once', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 300; n++) {
      const from = T0 + Math.floor(rand() * 5 * DAY);
      const to = from + Math.floor(rand() * rand() * 10 * DAY);
      const pieces = splitRange(from, to);
      if (from === to) {
        expect(pieces).toEqual([]);
        continue;
      }
      const { from: a, to: b } = alignRange(from, to, 'minute');
      const sorted = [...pieces].sort((x, y) => x.from - y.from);
      let at = a;
      for (const p of sorted) {
        expect(p.from).toBe(at);
        expect(p.from % RESOLUTION_MS[p.resolution]).toBe(0);
        expect(p.to % RESOLUTION_MS[p.resolution]).toBe(0);
        at = p.to;
      }
      expect(at).toBe(b);
      expect(pieces.filter((p) => p.resolution === 'minute').reduce((s, p) => s + (p.to - p.from) / MIN, 0)).toBeLessThan(120);
      expect(pieces.filter((p) => p.resolution === 'hour').reduce((s, p) => s + (p.to - p.from) / HOUR, 0)).toBeLessThan(48);
    }
  });

  test('examples', () => {
    expect(splitRange(T0, T0 + 7 * DAY)).toEqual([{ resolution: 'day', from: T0, to: T0 + 7 * DAY }]);
    expect(splitRange(T0 + 90 * MIN + 5, T0 + 3 * HOUR)).toEqual([
      { resolution: 'hour', from: T0 + 2 * HOUR, to: T0 + 3 * HOUR },
      { resolution: 'minute', from: T0 + 90 * MIN, to: T0 + 2 * HOUR },
    ]);
    expect(splitRange(T0 + 10 * MIN, T0 + 20 * MIN)).toEqual([{ resolution: 'minute', from: T0 + 10 * MIN, to: T0 + 20 * MIN }]);
    expect(splitRange(T0 + 5, T0 + 5)).toEqual([]);
    expect(alignRange(T0 + 1, T0 + HOUR + 1, 'hour')).toEqual({ from: T0, to: T0 + 2 * HOUR });
  });
});
