/**
 * Checks that a body's reference points at something the caller can see. An id outside the caller's
 * scope gets the same answer as an id that does not exist.
 */
import { validationError } from '../../../core/errors.js';

export function referenceNotFound(field: string, kind: string, id: string) {
  return validationError(`${kind} '${id}' (${field}) not found`, [{ path: `/${field}`, message: `${kind.toLowerCase()} not found` }]);
}

export async function mustExist<T>(lookup: Promise<T | undefined>, field: string, kind: string, id: string): Promise<T> {
  const found = await lookup;
  if (!found) throw referenceNotFound(field, kind, id);
  return found;
}
