/**
 * The cache store conformance suite: the memory and Redis stores run the same tests (STYLE.md
 * rule 7). `advance(ms)` moves the store's clock: an injected clock for memory, real time for Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheEntry, CacheStore } from '../../src/cache/index.js';

export interface StoreHarness {
  store: CacheStore;
  advance(ms: number): Promise<void> | void;
  close(): Promise<void> | void;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

export function entry(over: Partial<CacheEntry> = {}): CacheEntry {
  return {
    status: 200,
    headers: ['Content-Type', 'application/octet-stream', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'ETag', '"v1"'],
    body: ALL_BYTES,
    storedAt: 1_700_000_000_123,
    requestTime: 1_700_000_000_100,
    tags: ['product:1', 'list'],
    varyKey: '[["accept-encoding","gzip"]]',
    ...over,
  };
}

export function describeCacheStoreConformance(name: string, open: () => Promise<StoreHarness> | StoreHarness): void {
  describe(`cache store conformance: ${name}`, () => {
    let h: StoreHarness;
    let n = 0;
    const key = (label = 'k') => `${label}-${++n}`;
    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('answers undefined for a key never stored, and counts a miss', async () => {
      const before = h.store.stats().misses;
      expect(await h.store.get(key())).toBeUndefined();
      expect(h.store.stats().misses).toBe(before + 1);
    });

    it('round-trips status, raw header lines (order, case, repeats), binary body, times, tags and vary key', async () => {
      const k = key();
      await h.store.set(k, entry(), 60_000);
      const got = await h.store.get(k);
      expect(got).toEqual(entry());
      expect(Buffer.isBuffer(got!.body)).toBe(true);
      expect(got!.body.equals(ALL_BYTES)).toBe(true);
    });

    it('round-trips an empty body and an entry without optional fields', async () => {
      const k = key();
      const e: CacheEntry = { status: 204, headers: [], body: Buffer.alloc(0), storedAt: 5, tags: [] };
      await h.store.set(k, e, 60_000);
      expect(await h.store.get(k)).toEqual(e);
    });

    it('keeps keys with spaces, colons, braces and non-ASCII apart', async () => {
      const keys = ['GET https://a.example/x?q=1 2', 'GET https://a.example/x?q=1:2', '{tag}:x', 'ключ/ü'];
      for (const [i, k] of keys.entries()) await h.store.set(k, entry({ status: 200 + i }), 60_000);
      for (const [i, k] of keys.entries()) expect((await h.store.get(k))?.status).toBe(200 + i);
      for (const k of keys) await h.store.delete(k);
    });

    it('replaces the entry under a key on set', async () => {
      const k = key();
      await h.store.set(k, entry({ status: 200 }), 60_000);
      await h.store.set(k, entry({ status: 404, tags: [] }), 60_000);
      expect((await h.store.get(k))?.status).toBe(404);
    });

    it('deletes one entry and says whether it was there', async () => {
      const [a, b] = [key(), key()];
      await h.store.set(a, entry(), 60_000);
      await h.store.set(b, entry(), 60_000);
      expect(await h.store.delete(a)).toBe(true);
      expect(await h.store.delete(a)).toBe(false);
      expect(await h.store.get(a)).toBeUndefined();
      expect(await h.store.get(b)).toBeDefined();
    });

    it('deletes by tag every entry carrying it, and no other', async () => {
      const tag = `t-${key()}`;
      const [a, b, c] = [key(), key(), key()];
      await h.store.set(a, entry({ tags: [tag, 'x'] }), 60_000);
      await h.store.set(b, entry({ tags: ['x', tag] }), 60_000);
      await h.store.set(c, entry({ tags: ['x'] }), 60_000);
      expect(await h.store.deleteByTag(tag)).toBe(2);
      expect(await h.store.get(a)).toBeUndefined();
      expect(await h.store.get(b)).toBeUndefined();
      expect(await h.store.get(c)).toBeDefined();
      expect(await h.store.deleteByTag(tag)).toBe(0);
    });

    it('deletes nothing for a tag never used', async () => {
      expect(await h.store.deleteByTag(`never-${key()}`)).toBe(0);
    });

    it('expires an entry after its ttl', async () => {
      const k = key();
      await h.store.set(k, entry(), 1000);
      expect(await h.store.get(k)).toBeDefined();
      await h.advance(1100);
      expect(await h.store.get(k)).toBeUndefined();
    });

    it('stores nothing for a ttl of 0, and drops what was there', async () => {
      const k = key();
      await h.store.set(k, entry(), 60_000);
      await h.store.set(k, entry(), 0);
      expect(await h.store.get(k)).toBeUndefined();
    });

    it('counts hits, misses and sets', async () => {
      const k = key();
      const before = h.store.stats();
      await h.store.set(k, entry(), 60_000);
      await h.store.get(k);
      await h.store.get(k);
      await h.store.get(key());
      const after = h.store.stats();
      expect(after.sets - before.sets).toBe(1);
      expect(after.hits - before.hits).toBe(2);
      expect(after.misses - before.misses).toBe(1);
    });

    it('clears every entry', async () => {
      const [a, b] = [key(), key()];
      await h.store.set(a, entry(), 60_000);
      await h.store.set(b, entry(), 60_000);
      await h.store.clear();
      expect(await h.store.get(a)).toBeUndefined();
      expect(await h.store.get(b)).toBeUndefined();
      expect(await h.store.deleteByTag('list')).toBe(0);
    });
  });
}
