import { describe, expect, it } from 'vitest';
import { hashSecret, newId, newSecret, secretHint } from '../../src/core/ids.js';

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
