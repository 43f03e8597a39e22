/**
 * Secrets at rest (provider API keys, ...): AES-256-GCM under the node's secret key.
 *
 * The key comes from GANTRY_SECRET_KEY, else from `<data dir>/secret.key`, created on first start.
 * In a cluster every node must use the same key: set GANTRY_SECRET_KEY to the content of the
 * first node's key file.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GantryError } from './errors.js';

export const SECRET_KEY_ENV = 'GANTRY_SECRET_KEY';
export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const EXPECTED_FORM = '32 bytes written as 64 hexadecimal characters or as base64 (44 characters, e.g. from `openssl rand -base64 32`)';

/** The secret key could not be loaded; the message says what to fix. Never contains key material. */
export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/** 64 hex characters, or standard / url-safe base64 of exactly 32 bytes; undefined otherwise. */
function parseKey(text: string): Buffer | undefined {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(s)) return Buffer.from(s, 'base64');
  if (/^[A-Za-z0-9_-]{43}=?$/.test(s)) return Buffer.from(s, 'base64url');
  return undefined;
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function readKeyFile(path: string): Buffer {
  const stat = statSync(path);
  if (!stat.isFile()) throw new SecretKeyError(`The secret key file ${path} is not a regular file; remove it or set ${SECRET_KEY_ENV}`);
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretKeyError(
      `The secret key file ${path} can be read by other users (mode ${mode}); restrict it with \`chmod 600 ${path}\``,
    );
  }
  const key = parseKey(readFileSync(path, 'utf8'));
  if (!key) throw new SecretKeyError(`The secret key file ${path} is malformed: expected ${EXPECTED_FORM}`);
  return key;
}

/**
 * Writes a new key next to `path` and links it into place: a link never replaces an existing
 * file, so when two processes start at once one wins and both end up reading the winner's key.
 */
function createKeyFile(dir: string, path: string): void {
  const tmp = join(dir, `.${SECRET_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // whatever the umask
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err; // another process created it first: use theirs
  } finally {
    unlinkSync(tmp);
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the key file itself is already synced.
  }
}

/**
 * The node's 32-byte secret key: from GANTRY_SECRET_KEY, else from `<dataDir>/secret.key`
 * (created with mode 0600 on first call). Throws a SecretKeyError saying what to fix.
 */
export function loadSecretKey(opts: { dataDir: string; env?: Readonly<Record<string, string | undefined>> }): Buffer {
  const fromEnv = (opts.env ?? process.env)[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const key = parseKey(fromEnv);
    if (!key) {
      throw new SecretKeyError(`${SECRET_KEY_ENV} must be ${EXPECTED_FORM}; the value given has ${fromEnv.trim().length} characters`);
    }
    return key;
  }
  const path = join(opts.dataDir, SECRET_KEY_FILE);
  try {
    return readKeyFile(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw wrapFsError(err, path);
  }
  try {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    createKeyFile(opts.dataDir, path);
    return readKeyFile(path);
  } catch (err) {
    throw wrapFsError(err, path);
  }
}

function wrapFsError(err: unknown, path: string): Error {
  if (err instanceof SecretKeyError) return err;
  return new SecretKeyError(`Cannot read or create the secret key file ${path}: ${errnoCode(err) ?? String(err)}`, { cause: err });
}

function unreadable(message?: string, cause?: unknown): GantryError {
  return new GantryError('GANTRY_ERR_SECRET_UNREADABLE', message, cause === undefined ? {} : { cause });
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Seals and opens secrets with AES-256-GCM. Sealed form: `v1.<base64url iv>.<base64url ciphertext+tag>`.
 * `aad` binds a ciphertext to its context (e.g. the id of the row it is stored in), so a sealed
 * value copied to another row does not open there.
 */
export class SecretBox {
  readonly #key: KeyObject;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new RangeError(`SecretBox needs a ${KEY_BYTES}-byte key`);
    this.#key = createSecretKey(key);
  }

  seal(plaintext: string, aad?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** Throws GANTRY_ERR_SECRET_UNREADABLE on a wrong key, a tampered value or a different `aad`. */
  open(sealed: string, aad?: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || !BASE64URL.test(parts[1]) || !BASE64URL.test(parts[2])) {
      throw unreadable(`A stored secret is not in the sealed form (${VERSION}.<iv>.<ciphertext>)`);
    }
    const iv = Buffer.from(parts[1], 'base64url');
    const body = Buffer.from(parts[2], 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw unreadable(`A stored secret is not in the sealed form (${VERSION}.<iv>.<ciphertext>)`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      return plain.toString('utf8');
    } catch (cause) {
      throw unreadable(undefined, cause);
    }
  }
}

const MASK = '********';

/** A fixed-length stand-in for a secret in logs: reveals neither its content nor its length. */
export function redactSecret(_secret: string | null | undefined): string {
  return MASK;
}
