import type { ApiKeyRecord } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';
import { ApiKeyView } from './schema.js';

export function presentKey(key: ApiKeyRecord): ApiKeyView {
  return pickDeclared<ApiKeyView>(ApiKeyView, key);
}

/** The create response: the one place the secret leaves the server. */
export function presentCreatedKey(key: ApiKeyRecord, secret: string): ApiKeyView & { key: string } {
  return { ...presentKey(key), key: secret };
}
