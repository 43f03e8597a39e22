/**
 * Driver errors never leave the store: they become GantryErrors here. Constraint violations are
 * recognised for both drivers (better-sqlite3 codes, PostgreSQL SQLSTATEs).
 */
import { GantryError, validationError } from '../core/errors.js';

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

function isMissingTable(err: unknown): boolean {
  if (codeOf(err) === '42P01') return true;
  return err instanceof Error && /no such table/.test(err.message);
}

/** Any error as a GantryError: GantryErrors pass through, anything else is an internal error. */
export function toGantryError(err: unknown, doing = 'a store operation'): GantryError {
  if (err instanceof GantryError) return err;
  if (isMissingTable(err)) {
    return new GantryError('GANTRY_ERR_INTERNAL', 'The database has no Gantry schema yet; run `gantry migrate`', {
      cause: err,
    });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new GantryError('GANTRY_ERR_INTERNAL', `The store failed during ${doing}: ${reason}`, { cause: err });
}

/** How a write names the constraint violations it can cause. */
export interface WriteErrors {
  /** Message for a unique violation. */
  conflict?: () => string;
  /** Error for a foreign key violation: a reference that vanished under a concurrent writer. */
  reference?: () => GantryError;
}

export function mapWriteError(err: unknown, errors: WriteErrors | undefined): GantryError {
  if (err instanceof GantryError) return err;
  if (errors?.conflict && isUniqueViolation(err)) {
    return new GantryError('GANTRY_ERR_CONFLICT', errors.conflict(), { cause: err });
  }
  if (errors?.reference && isForeignKeyViolation(err)) {
    const mapped = errors.reference();
    return new GantryError(mapped.code, mapped.message, { cause: err, ...(mapped.details ? { details: mapped.details } : {}) });
  }
  return toGantryError(err, 'a write');
}

/** A reference to something missing or outside the team. */
export function badReference(path: string, message: string): GantryError {
  return validationError(message, [{ path, message }]);
}

export function inUse(message: string): GantryError {
  return new GantryError('GANTRY_ERR_IN_USE', message);
}
