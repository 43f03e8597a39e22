import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCatalog, isGantryError } from '../../src/core/errors.js';
import { loadSecretKey, redactSecret, SecretBox, SecretKeyError } from '../../src/core/secrets.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-secrets-'));
let n = 0;
const freshDir = (): string => join(root, `case-${n++}`, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('round-trips text, including empty and non-ASCII text', () => {
    for (const text of ['sk-live-abc123', '', 'clé 🔑 世界', 'x'.repeat(10_000)]) {
      expect(box.open(box.seal(text))).toBe(text);
      expect(box.open(box.seal(text, 'pk_1'), 'pk_1')).toBe(text);
    }
  });

  it('seals to v1.<iv>.<ciphertext+tag> with a fresh IV each time, never showing the plaintext', () => {
    const a = box.seal('sk-secret');
    const b = box.seal('sk-secret');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(a.split('.')[2], 'base64url').length).toBe('sk-secret'.length + 16);
    expect(a).not.toBe(b);
    expect(a).not.toContain('sk-secret');
  });

  function expectUnreadable(fn: () => unknown): void {
    const err = thrown(fn);
    expect(isGantryError(err)).toBe(true);
    if (!isGantryError(err)) return;
    expect(err.code).toBe('GANTRY_ERR_SECRET_UNREADABLE');
    expect(err.status).toBe(500);
    expect(err.message).not.toContain('sk-live');
    expect(err.message).not.toContain(key.toString('hex'));
  }

  it('refuses to open with a different key, saying the key does not match', () => {
    const sealed = box.seal('sk-live-1');
    expectUnreadable(() => new SecretBox(randomBytes(32)).open(sealed));
    const err = thrown(() => new SecretBox(randomBytes(32)).open(sealed)) as Error;
    expect(err.message).toMatch(/secret key .* does not match the one the value was sealed with/);
    expect(ErrorCatalog.GANTRY_ERR_SECRET_UNREADABLE.status).toBe(500);
  });

  it('refuses a tampered value: any flipped bit in the IV, ciphertext or tag', () => {
    const sealed = box.seal('sk-live-2');
    const [v, iv, body] = sealed.split('.');
    const ivBytes = Buffer.from(iv, 'base64url');
    const bodyBytes = Buffer.from(body, 'base64url');
    for (let i = 0; i < ivBytes.length; i++) {
      const t = Buffer.from(ivBytes);
      t[i] ^= 1;
      expectUnreadable(() => box.open(`${v}.${t.toString('base64url')}.${body}`));
    }
    for (let i = 0; i < bodyBytes.length; i++) {
      const t = Buffer.from(bodyBytes);
      t[i] ^= 0x80;
      expectUnreadable(() => box.open(`${v}.${iv}.${t.toString('base64url')}`));
    }
    expectUnreadable(() => box.open(`${v}.${iv}.${bodyBytes.subarray(0, bodyBytes.length - 1).toString('base64url')}`));
  });

  it('binds a value to its aad: another row id, or none, does not open it', () => {
    const sealed = box.seal('sk-live-3', 'pk_1');
    expectUnreadable(() => box.open(sealed, 'pk_2'));
    expectUnreadable(() => box.open(sealed));
    expectUnreadable(() => box.open(box.seal('sk-live-3'), 'pk_1'));
  });

  it('refuses values that are not in the sealed form', () => {
    for (const bad of ['', 'sk-live-plain', 'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'v1.AAAA.AAAAAAAAAAAAAAAAAAAAAA', 'v1.AAAAAAAAAAAAAAAA.AAAA', 'v1.AAAAAAAAAAAAAAAA.AA+A/AAAAAAAAAAAAAAAAAA', 'v1.a.b.c']) {
      expectUnreadable(() => box.open(bad));
    }
  });

  it('needs a 32-byte key and does not expose it on the instance', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
    expect(JSON.stringify(box)).toBe('{}');
    expect(Object.keys(box)).toEqual([]);
  });
});

describe('redactSecret', () => {
  it('returns the same mask whatever the secret', () => {
    const masks = new Set(['', 'a', 'sk-live-0123456789abcdef', 'x'.repeat(500), undefined].map((s) => redactSecret(s)));
    expect(masks.size).toBe(1);
    expect([...masks][0]).not.toMatch(/[a-z0-9]/i);
  });
});

describe('loadSecretKey', () => {
  const hexKey = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);

  it('takes GANTRY_SECRET_KEY as 64 hex characters or as base64 of 32 bytes', () => {
    const bytes = Buffer.from(hexKey, 'hex');
    const dataDir = freshDir();
    expect(loadSecretKey({ dataDir, env: { GANTRY_SECRET_KEY: hexKey } })).toEqual(bytes);
    expect(loadSecretKey({ dataDir, env: { GANTRY_SECRET_KEY: hexKey.toUpperCase() } })).toEqual(bytes);
    expect(loadSecretKey({ dataDir, env: { GANTRY_SECRET_KEY: bytes.toString('base64') } })).toEqual(bytes);
    expect(loadSecretKey({ dataDir, env: { GANTRY_SECRET_KEY: bytes.toString('base64').replace(/=$/, '') } })).toEqual(bytes);
    expect(loadSecretKey({ dataDir, env: { GANTRY_SECRET_KEY: ` ${bytes.toString('base64url')}\n` } })).toEqual(bytes);
    expect(() => statSync(dataDir)).toThrow(); // the env key never touches the data dir
  });

  it('rejects any other GANTRY_SECRET_KEY with the expected form, without echoing the value', () => {
    const bad = ['secret', hexKey.slice(2), `${hexKey}00`, randomBytes(31).toString('base64'), randomBytes(33).toString('base64'), 'g'.repeat(64)];
    for (const value of bad) {
      const err = thrown(() => loadSecretKey({ dataDir: freshDir(), env: { GANTRY_SECRET_KEY: value } })) as Error;
      expect(err).toBeInstanceOf(SecretKeyError);
      expect(err.message).toMatch(/GANTRY_SECRET_KEY must be 32 bytes written as 64 hexadecimal characters or as base64/);
      expect(err.message).not.toContain(value);
    }
  });

  it('creates <dataDir>/secret.key with mode 0600 on first call (and the directory), then reuses it', () => {
    const dataDir = freshDir();
    const key = loadSecretKey({ dataDir, env: {} });
    expect(key.length).toBe(32);
    const path = join(dataDir, 'secret.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, 'utf8')).toBe(`${key.toString('hex')}\n`);
    expect(loadSecretKey({ dataDir, env: {} })).toEqual(key);
    expect(loadSecretKey({ dataDir, env: { GANTRY_SECRET_KEY: '' } })).toEqual(key);
    expect(readdirSync(dataDir)).toEqual(['secret.key']); // no temp file left behind
  });

  it('refuses a key file that group or others can read, saying how to fix it', () => {
    const dataDir = freshDir();
    const key = loadSecretKey({ dataDir, env: {} });
    const path = join(dataDir, 'secret.key');
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(path, mode);
      const err = thrown(() => loadSecretKey({ dataDir, env: {} })) as Error;
      expect(err).toBeInstanceOf(SecretKeyError);
      expect(err.message).toContain(`chmod 600 ${path}`);
      expect(err.message).not.toContain(key.toString('hex'));
    }
    chmodSync(path, 0o600);
    expect(loadSecretKey({ dataDir, env: {} })).toEqual(key);
  });

  it('refuses a malformed key file instead of replacing it', () => {
    const dataDir = freshDir();
    loadSecretKey({ dataDir, env: {} });
    const path = join(dataDir, 'secret.key');
    writeFileSync(path, 'not a key\n', { mode: 0o600 });
    expect(() => loadSecretKey({ dataDir, env: {} })).toThrow(/secret key file .* is malformed/);
    expect(readFileSync(path, 'utf8')).toBe('not a key\n');
  });

  it('gives every process starting at the same moment the same key', async () => {
    const dataDir = freshDir();
    const modulePath = fileURLToPath(new URL('../../src/core/secrets.ts', import.meta.url));
    // Each child loads the module, says it is ready, and waits for the go that all get at once,
    // so they race on creating the key file.
    const script = `import { loadSecretKey } from ${JSON.stringify(modulePath)};
      process.stdout.write('ready\\n');
      process.stdin.once('data', () => {
        process.stdout.write(loadSecretKey({ dataDir: ${JSON.stringify(dataDir)}, env: {} }).toString('hex'));
        process.exit(0);
      });`;
    const children = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => out.startsWith('ready\n') && resolve());
        child.once('close', () => reject(new Error(`child exited before it was ready: ${err}`)));
      });
      const done = new Promise<string>((resolve, reject) => {
        child.once('close', (code) => (code === 0 ? resolve(out.slice('ready\n'.length)) : reject(new Error(err))));
      });
      return { child, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    const keys = await Promise.all(children.map((c) => c.done));
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(1);
    expect(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim()).toBe(keys[0]);
    expect(readdirSync(dataDir)).toEqual(['secret.key']);
  });
});
