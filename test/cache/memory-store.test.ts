import { describe, expect, it } from 'vitest';
import { entrySize, MemoryCacheStore } from '../../src/cache/index.js';
import { describeCacheStoreConformance, entry } from './conformance.js';

describeCacheStoreConformance('memory', () => {
  let now = 1_700_000_000_000;
  const store = new MemoryCacheStore({ clock: () => now });
  return { store, advance: (ms) => void (now += ms), close: () => store.close() };
});

describe('MemoryCacheStore byte bound', () => {
  const one = entry({ body: Buffer.alloc(1000), tags: ['t'] });
  const size = entrySize('k0', one);

  it('never holds more than maxBytes, evicting the least recently used entries and counting them', () => {
    const store = new MemoryCacheStore({ maxBytes: size * 3 + 10, maxEntryBytes: size });
    for (const k of ['k0', 'k1', 'k2']) store.set(k, one, 60_000);
    store.get('k0'); // k0 is now the most recently used; k1 the least
    store.set('k3', one, 60_000);
    expect(store.get('k1')).toBeUndefined();
    expect(store.get('k0')).toBeDefined();
    expect(store.get('k2')).toBeDefined();
    expect(store.get('k3')).toBeDefined();
    const s = store.stats();
    expect(s).toMatchObject({ entries: 3, evictions: 1 });
    expect(s.bytes).toBeLessThanOrEqual(store.maxBytes);
    expect(s.bytes).toBe(3 * size);
  });

  it('counts an entry by its body, headers, key and tags', () => {
    const small = entrySize('k', entry({ body: Buffer.alloc(10) }));
    expect(entrySize('k', entry({ body: Buffer.alloc(1010) })) - small).toBe(1000);
    expect(entrySize('kkkk', entry({ body: Buffer.alloc(10) })) - small).toBe(3);
  });

  it('does not store an entry larger than maxEntryBytes, and drops the older version under its key', () => {
    const store = new MemoryCacheStore({ maxBytes: 100_000, maxEntryBytes: 5000 });
    store.set('k', one, 60_000);
    store.set('k', entry({ body: Buffer.alloc(6000) }), 60_000);
    expect(store.get('k')).toBeUndefined();
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('keeps entries and bytes exact through replace, delete, purge by tag and expiry', () => {
    let now = 0;
    const store = new MemoryCacheStore({ clock: () => now });
    const other = entry({ body: Buffer.alloc(1000), tags: ['other'] });
    store.set('a', one, 1000);
    store.set('a', one, 1000);
    store.set('b', one, 5000);
    store.set('c', other, 5000);
    expect(store.stats()).toMatchObject({ entries: 3, bytes: 2 * entrySize('a', one) + entrySize('c', other) });
    expect(store.deleteByTag('t')).toBe(2);
    expect(store.stats()).toMatchObject({ entries: 1, bytes: entrySize('c', other) });
    now = 6000;
    expect(store.get('c')).toBeUndefined();
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('drops expired entries from the cold end as new ones are written', () => {
    let now = 0;
    const store = new MemoryCacheStore({ clock: () => now });
    store.set('old1', one, 100);
    store.set('old2', one, 100);
    now = 200;
    store.set('new', one, 100);
    expect(store.stats().entries).toBe(1);
  });
});
