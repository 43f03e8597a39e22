import type { AdminTokenRecord } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';
import { AdminTokenView } from './schema.js';

export function presentAdminToken(token: AdminTokenRecord): AdminTokenView {
  return pickDeclared<AdminTokenView>(AdminTokenView, token);
}

/** The create response: the one place the token leaves the server. */
export function presentCreatedAdminToken(token: AdminTokenRecord, secret: string): AdminTokenView & { token: string } {
  return { ...presentAdminToken(token), token: secret };
}
