/** Builders for the RFC 9111 table tests: requests, responses and stored entries at fixed instants. */
import { formatHttpDate, type CacheEntry } from '../../src/cache/index.js';

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const S = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const date = (ms: number): string => formatHttpDate(ms);

export function req(method = 'GET', headers: Record<string, string> = {}) {
  return { method, headers };
}

export function res(status: number, headers: Record<string, string> = {}) {
  return { status, headers };
}

/** A 200 stored `ageS` seconds before NOW, its Date the moment it was stored, plus `headers` (flat pairs). */
export function stored(ageS: number, headers: string[] = [], over: Partial<CacheEntry> = {}): CacheEntry {
  const storedAt = NOW - ageS * S;
  return { status: 200, headers: ['Date', date(storedAt), ...headers], body: Buffer.from('x'), storedAt, requestTime: storedAt, tags: [], ...over };
}
