/**
 * JSON-lines file sink: one record per line (captured bodies under `bodies`), appended; when the file
 * would grow past `maxBytes` it is renamed `<path>.1` (older ones shift up to `<path>.<maxFiles>`,
 * the oldest is deleted) and a new one is started.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import type { CallSink } from './types.js';

export interface FileSinkOptions {
  path: string;
  /** Default 100 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one; default 5. */
  maxFiles?: number;
}

/** One JSON line per record, with its bodies when captured. */
export function toJsonLines(records: readonly CallRecord[], bodies: readonly CallBodies[]): string {
  const byId = bodies.length === 0 ? null : new Map(bodies.map((b) => [b.id, b]));
  let out = '';
  for (const r of records) {
    const b = byId?.get(r.id);
    out += JSON.stringify(b === undefined ? r : { ...r, bodies: { request_body: b.request_body, response_body: b.response_body, request_headers: b.request_headers, response_headers: b.response_headers, truncated: b.truncated } });
    out += '\n';
  }
  return out;
}

export class FileSink implements CallSink {
  readonly name = 'file';
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  #handle: FileHandle | null = null;
  #size = 0;

  constructor(opts: FileSinkOptions) {
    this.#path = opts.path;
    this.#maxBytes = opts.maxBytes ?? 100 * 1024 * 1024;
    this.#maxFiles = opts.maxFiles ?? 5;
  }

  async write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void> {
    const data = Buffer.from(toJsonLines(records, bodies), 'utf8');
    let handle = await this.#open();
    if (this.#size > 0 && this.#size + data.length > this.#maxBytes) {
      await this.#rotate();
      handle = await this.#open();
    }
    await handle.write(data);
    this.#size += data.length;
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== null) return this.#handle;
    await mkdir(dirname(this.#path), { recursive: true });
    const handle = await open(this.#path, 'a', 0o640);
    this.#size = (await handle.stat()).size;
    this.#handle = handle;
    return handle;
  }

  async #rotate(): Promise<void> {
    await this.#handle?.close();
    this.#handle = null;
    await rm(`${this.#path}.${this.#maxFiles}`, { force: true });
    for (let n = this.#maxFiles - 1; n >= 1; n--) {
      await rename(`${this.#path}.${n}`, `${this.#path}.${n + 1}`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    if (this.#maxFiles >= 1) await rename(this.#path, `${this.#path}.1`);
    else await rm(this.#path, { force: true });
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
