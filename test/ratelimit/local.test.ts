import { describe, expect, it } from 'vitest';
import { LocalRateLimiter } from '../../src/ratelimit/index.js';
import { describeLimiterConformance } from './conformance.js';

describeLimiterConformance('local', (algorithm) => new LocalRateLimiter({ algorithm }));

const T0 = 1_700_000_000_000;

describe.each(['gcra', 'sliding-window'] as const)('LocalRateLimiter memory (%s)', (algorithm) => {
  it('drops expired keys as later hits go by, without timers', () => {
    const rl = new LocalRateLimiter({ algorithm });
    const l = { limit: 2, periodMs: 1000 };
    for (let i = 0; i < 50; i++) rl.hit(`idle-${i}`, l, 1, T0);
    expect(rl.stats().keys).toBe(50);
    for (let i = 0; i < 30; i++) rl.hit('busy', l, 0, T0 + 1000 + i);
    expect(rl.stats().keys).toBe(0); // the busy key only read (cost 0), so it holds nothing either
    expect(rl.stats().evictions).toBe(0);
  });

  it('holds at most maxKeys, evicting the least recently used key and counting it', () => {
    const rl = new LocalRateLimiter({ algorithm, maxKeys: 3 });
    const l = { limit: 1, periodMs: 60_000 };
    rl.hit('a', l, 1, T0);
    rl.hit('b', l, 1, T0);
    rl.hit('c', l, 1, T0);
    rl.hit('a', l, 1, T0); // a is now the most recently used
    rl.hit('d', l, 1, T0);
    expect(rl.stats()).toMatchObject({ keys: 3, evictions: 1 });
    expect(rl.hit('a', l, 1, T0).allowed).toBe(false); // a kept its count
    expect(rl.hit('b', l, 1, T0).allowed).toBe(true); // b was evicted and forgot it
  });

  it('keeps the order exact when the most recent key is hit again, and drops that key once it holds nothing', () => {
    const rl = new LocalRateLimiter({ algorithm, maxKeys: 2 });
    const minute = { limit: 2, periodMs: 60_000 };
    const hour = { limit: 2, periodMs: 3_600_000 };
    rl.hit('a', minute, 1, T0);
    rl.hit('b', hour, 1, T0);
    rl.hit('b', hour, 1, T0); // b again while it is the most recent: its second unit is counted in place
    rl.hit('c', minute, 1, T0); // a is the least recently used
    expect(rl.stats()).toMatchObject({ keys: 2, evictions: 1 });
    expect(rl.hit('b', hour, 1, T0).allowed).toBe(false); // b kept both units
    expect(rl.hit('a', minute, 1, T0).allowed).toBe(true); // a was evicted and forgot its unit (c goes now)
    expect(rl.hit('a', minute, 0, T0 + 61_000).allowed).toBe(true); // a, the most recent, read with nothing left in its window
    expect(rl.stats().keys).toBe(1); // a dropped; b still in its hour
  });

  it('answers synchronously and counts allowed and denied hits', () => {
    const rl = new LocalRateLimiter({ algorithm });
    const d = rl.hit('k', { limit: 1, periodMs: 1000 }, 1, T0);
    expect(d).not.toBeInstanceOf(Promise);
    rl.hit('k', { limit: 1, periodMs: 1000 }, 1, T0);
    expect(rl.stats()).toMatchObject({ allowed: 1, denied: 1, degraded: 0 });
  });
});
