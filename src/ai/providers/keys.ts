/**
 * Provider keys at run time. A key's secret is opened once per snapshot; what traffic learns about a
 * key (a cooldown after 429, an authentication failure) lives in an AiKeyState that survives
 * config reloads, like upstream target health. A state is keyed by the key id and its `updated_at`,
 * so an admin change to the key (re-enabling it after an auth failure) starts from a clean state.
 *
 * Selection: the lowest priority with a usable key; among keys of equal priority, round robin.
 * Disabled and `auth_failed` keys never reach the snapshot; keys marked failed or cooling in
 * memory are skipped.
 */
import type { AwsCredentials } from './sigv4.js';

export class AiKeyState {
  readonly key: string;
  /** Epoch ms until which the key is not used (after a 429); 0 when usable. */
  cooldownUntil = 0;
  /** The provider rejected the key (401/403); kept until the key record changes. */
  authFailed = false;

  constructor(key: string) {
    this.key = key;
  }

  usable(now: number): boolean {
    return !this.authFailed && (this.cooldownUntil === 0 || now >= this.cooldownUntil);
  }
}

/** States by key id + version; states of keys gone from the config are dropped after a swap. */
export class AiKeyStates {
  readonly #states = new Map<string, AiKeyState>();

  get(keyId: string, version: string): AiKeyState {
    const key = `${keyId}|${version}`;
    let state = this.#states.get(key);
    if (state === undefined) {
      state = new AiKeyState(key);
      this.#states.set(key, state);
    }
    return state;
  }

  retainOnly(keys: ReadonlySet<string>): void {
    for (const key of this.#states.keys()) if (!keys.has(key)) this.#states.delete(key);
  }
}

export interface ProviderKey {
  id: string;
  name: string;
  priority: number;
  /** The API key; null for SigV4 providers. */
  secret: string | null;
  /** AWS credentials for SigV4 providers. */
  aws: AwsCredentials | null;
  state: AiKeyState;
}

/** Keys of one priority, with their round-robin cursor (per snapshot). */
export interface KeyGroup {
  priority: number;
  keys: ProviderKey[];
  cursor: number;
}

export function groupKeys(keys: readonly ProviderKey[]): KeyGroup[] {
  const sorted = [...keys].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
  const groups: KeyGroup[] = [];
  for (const k of sorted) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.priority === k.priority) last.keys.push(k);
    else groups.push({ priority: k.priority, keys: [k], cursor: 0 });
  }
  return groups;
}

/**
 * The key to use next, skipping `exclude` (keys already tried by this call). Undefined when no
 * key is usable; `soonest` then tells when a cooling key comes back (0 if none is cooling).
 */
export function pickKey(groups: readonly KeyGroup[], exclude: ReadonlySet<string> | null, now: number): { key?: ProviderKey; soonest: number } {
  let soonest = 0;
  for (const group of groups) {
    const keys = group.keys;
    const n = keys.length;
    for (let k = 0; k < n; k++) {
      const i = (group.cursor + k) % n;
      const key = keys[i];
      if (exclude !== null && exclude.has(key.id)) continue;
      if (!key.state.usable(now)) {
        if (!key.state.authFailed && (soonest === 0 || key.state.cooldownUntil < soonest)) soonest = key.state.cooldownUntil;
        continue;
      }
      group.cursor = (i + 1) % n;
      return { key, soonest: 0 };
    }
  }
  return { soonest };
}
