import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { aiKeyStatusChannel, type AiKeyStatusEvent } from '../../../src/ai/events.js';
import { KeyStatusWriter } from '../../../src/ai/usage/index.js';
import { newId } from '../../../src/core/ids.js';
import type { Store } from '../../../src/store/index.js';
import { sqliteStore } from './store.js';

let store: Store;
let cleanup: () => Promise<void>;
let keyId: string;
let providerId: string;
beforeEach(async () => {
  ({ store, cleanup } = await sqliteStore());
  const team = await store.teams.create({ name: 'acme' });
  const provider = await store.aiProviders.create({ team_id: team.id, name: 'openai', kind: 'openai' });
  providerId = provider.id;
  keyId = newId('aiProviderKey');
  await store.aiProviderKeys.create({
    id: keyId, provider_id: provider.id, team_id: team.id, name: 'main', hint: 'sk-…wxyz', sealed_secret: `v1.sealed.${keyId}`, priority: 0, enabled: true,
  });
});
afterEach(() => cleanup());

/** The real store, with setStatus calls counted and failures injectable. */
function counted(): { store: Pick<Store, 'aiProviderKeys'>; calls: string[]; failNext: number } {
  const state = {
    calls: [] as string[],
    failNext: 0,
    store: {
      aiProviderKeys: {
        ...store.aiProviderKeys,
        setStatus: async (id: string, status: AiKeyStatusEvent['status'], reason: string | null) => {
          state.calls.push(status);
          if (state.failNext > 0) {
            state.failNext -= 1;
            throw new Error('database is locked');
          }
          await store.aiProviderKeys.setStatus(id, status, reason);
        },
      },
    },
  };
  return state;
}

const event = (status: AiKeyStatusEvent['status'], reason: string | null = null): AiKeyStatusEvent => ({ keyId, providerId, status, reason });

describe('KeyStatusWriter', () => {
  test('writes a key status once per change, skipping repeats', async () => {
    const s = counted();
    const writer = new KeyStatusWriter({ store: s.store }).start();
    const version = await store.getConfigVersion();
    for (let i = 0; i < 3; i++) aiKeyStatusChannel.publish(event('auth_failed', 'HTTP 401 from the provider'));
    await writer.idle();
    expect(s.calls).toEqual(['auth_failed']);
    expect(await store.aiProviderKeys.get('all', keyId)).toMatchObject({ status: 'auth_failed', status_reason: 'HTTP 401 from the provider' });
    expect(await store.getConfigVersion()).toBe(version + 1);

    aiKeyStatusChannel.publish(event('active'));
    aiKeyStatusChannel.publish(event('active'));
    aiKeyStatusChannel.publish(event('auth_failed', 'again'));
    await writer.close();
    expect(s.calls).toEqual(['auth_failed', 'active', 'auth_failed']);
    expect(writer.stats()).toEqual({ written: 3, skipped: 3, failures: 0 });
    expect(await store.aiProviderKeys.get('all', keyId)).toMatchObject({ status: 'auth_failed', status_reason: 'again' });
    aiKeyStatusChannel.publish(event('active'));
    expect(s.calls).toHaveLength(3);
  });

  test('a repeat is written again after rewriteMs (an admin may have re-enabled the key meanwhile)', async () => {
    const s = counted();
    let now = 0;
    const writer = new KeyStatusWriter({ store: s.store, rewriteMs: 1000, now: () => now }).start();
    aiKeyStatusChannel.publish(event('auth_failed'));
    now = 999;
    aiKeyStatusChannel.publish(event('auth_failed'));
    now = 1000;
    aiKeyStatusChannel.publish(event('auth_failed'));
    await writer.close();
    expect(s.calls).toEqual(['auth_failed', 'auth_failed']);
  });

  test('a failed write is logged, never thrown, and the next event for the key tries again', async () => {
    const s = counted();
    s.failNext = 1;
    const warns: string[] = [];
    const writer = new KeyStatusWriter({ store: s.store, logger: { warn: (_o, m) => void warns.push(m ?? ''), error: () => undefined } }).start();
    expect(() => aiKeyStatusChannel.publish(event('auth_failed'))).not.toThrow();
    await writer.idle();
    expect(warns).toEqual(['AI provider key status could not be saved']);
    aiKeyStatusChannel.publish(event('auth_failed'));
    await writer.close();
    expect(s.calls).toEqual(['auth_failed', 'auth_failed']);
    expect(writer.stats()).toEqual({ written: 1, skipped: 0, failures: 1 });
    expect(await store.aiProviderKeys.get('all', keyId)).toMatchObject({ status: 'auth_failed' });
  });

  test('writes for one key keep their order', async () => {
    const s = counted();
    const writer = new KeyStatusWriter({ store: s.store }).start();
    aiKeyStatusChannel.publish(event('auth_failed'));
    aiKeyStatusChannel.publish(event('active'));
    await writer.close();
    expect(s.calls).toEqual(['auth_failed', 'active']);
    expect(await store.aiProviderKeys.get('all', keyId)).toMatchObject({ status: 'active' });
  });
});
