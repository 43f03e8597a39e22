/**
 * The node's last good configuration on local disk, so a data plane can start and serve while the
 * store is unreachable. The file holds the ConfigData as the store returned it: key hashes and sealed
 * provider keys, never a plaintext secret; still, it is written with mode 0600.
 *
 * Writes are atomic (a temp file in the same directory, fsync, rename): a crash mid-write leaves the
 * previous snapshot in place, never half a file. Writes run one at a time and coalesce: when several
 * versions are applied in a burst, only the newest is written after the one in progress.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ConfigData } from '../core/model.js';

const FORMAT = 'gantry-config-snapshot';
const FORMAT_VERSION = 1;

/** The arrays every ConfigData carries; a snapshot missing one is not ours (or is from a future format). */
const CONFIG_LISTS = [
  'teams',
  'upstreams',
  'services',
  'routes',
  'apps',
  'apiKeys',
  'policies',
  'aiProviders',
  'aiProviderKeys',
  'aiAliases',
  'aiModelOverrides',
] as const satisfies readonly (keyof ConfigData)[];

export interface SnapshotEnvelope {
  format: typeof FORMAT;
  format_version: number;
  written_at: string;
  config: ConfigData;
}

export class SnapshotFileError extends Error {
  override name = 'SnapshotFileError';
}

/** Writes `data` to `path` atomically, mode 0600; creates the directory (mode 0700) if needed. */
export async function writeSnapshotFile(path: string, data: ConfigData): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const envelope: SnapshotEnvelope = { format: FORMAT, format_version: FORMAT_VERSION, written_at: new Date().toISOString(), config: data };
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(JSON.stringify(envelope));
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** The snapshot at `path`, or undefined when there is none. Throws SnapshotFileError when it is unusable. */
export async function readSnapshotFile(path: string): Promise<{ config: ConfigData; writtenAt: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SnapshotFileError(`Cannot read the snapshot file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SnapshotFileError(`The snapshot file ${path} is not valid JSON`, { cause: err });
  }
  const problem = envelopeProblem(parsed);
  if (problem) throw new SnapshotFileError(`The snapshot file ${path} is unusable: ${problem}`);
  const envelope = parsed as SnapshotEnvelope;
  return { config: envelope.config, writtenAt: envelope.written_at };
}

function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as Partial<SnapshotEnvelope>;
  if (v.format !== FORMAT) return `format is not '${FORMAT}'`;
  if (v.format_version !== FORMAT_VERSION) return `format_version ${String(v.format_version)} is not ${FORMAT_VERSION}`;
  if (typeof v.written_at !== 'string') return 'written_at is missing';
  const config = v.config as Partial<Record<string, unknown>> | undefined;
  if (typeof config !== 'object' || config === null) return 'config is missing';
  if (!Number.isSafeInteger(config.version)) return 'config.version is not a whole number';
  for (const list of CONFIG_LISTS) if (!Array.isArray(config[list])) return `config.${list} is not a list`;
  return undefined;
}

/**
 * Saves snapshots one at a time, newest wins: `save` while a write runs replaces the pending one.
 * A failed write is logged and forgotten; the next applied version tries again.
 */
export class SnapshotWriter {
  readonly #path: string;
  readonly #onError: (err: unknown) => void;
  #pending: ConfigData | undefined;
  #writing: Promise<void> | undefined;

  constructor(path: string, onError: (err: unknown) => void) {
    this.#path = path;
    this.#onError = onError;
  }

  get path(): string {
    return this.#path;
  }

  save(data: ConfigData): void {
    this.#pending = data;
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = undefined;
    });
  }

  /** Resolves when everything saved so far is on disk (or failed). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const data = this.#pending;
      this.#pending = undefined;
      try {
        await writeSnapshotFile(this.#path, data);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
