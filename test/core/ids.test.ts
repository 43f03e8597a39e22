import { describe, expect, it } from 'vitest';
import { hashSecret, newId, newRequestId, newSecret, secretHint } from '../../src/core/ids.js';

describe('ids and secrets', () => {
  it('makes ids that sort in creation order, even within one millisecond', () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, (_, i) => newId('service', now + (i >> 8)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^svc_[0-9a-z]{26}$/);
  });

  it('makes 256-bit secrets whose hint cannot be used as the secret', () => {
    const key = newSecret('gk');
    expect(key).toMatch(/^gk_[A-Za-z0-9_-]{43}$/);
    expect(newSecret('gk')).not.toBe(key);
    expect(secretHint(key)).toBe(key.slice(0, 9));
    expect(hashSecret(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(key)).not.toBe(hashSecret(newSecret('gk')));
  });
});

describe('newRequestId', () => {
  it('is a UUID version 7 (RFC 9562) whose first 48 bits are the time in ms', () => {
    const at = Date.UTC(2026, 11, 4, 18, 0, 0, 123);
    const id = newRequestId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by time, and never repeats', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => newRequestId(1_700_000_000_000 + Math.floor(i / 3)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 3; i < ids.length; i += 3) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });
});
