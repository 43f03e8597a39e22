/**
 * The pipeline's disk spool: prepared (already redacted) records as JSON lines in segment files
 * `seg-<n>.jsonl` under one directory, bounded in total bytes. Records are appended when the
 * in-memory queue overflows (or a batch cannot be written), and read back, oldest first, when the
 * sink catches up. What was read and written is remembered in `seg-<n>.pos` (byte offset, replaced
 * atomically), and a fully read segment is deleted, so a restart resumes where the last run stopped:
 * at worst one batch is replayed twice, which the store sink ignores (record ids are unique).
 */
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallBodies, CallRecord } from '../core/call-record.js';

export interface SpoolOptions {
  dir: string;
  /** Total bytes on disk; appends beyond it are refused. Default 1 GiB. */
  maxBytes?: number;
  /** Size at which a new segment is started; default 16 MiB. */
  segmentBytes?: number;
}

export interface SpooledItem {
  record: CallRecord;
  bodies: CallBodies | null;
}

export interface SpoolBatch {
  items: SpooledItem[];
  /** Marks the batch written: it will not be read again, even after a restart. */
  commit(): Promise<void>;
}

const SEGMENT = /^seg-(\d{12})\.jsonl$/;
const name = (seq: number) => `seg-${String(seq).padStart(12, '0')}`;

function countLines(buffer: Buffer, from: number): number {
  let n = 0;
  for (let i = buffer.indexOf(10, from); i !== -1; i = buffer.indexOf(10, i + 1)) n++;
  return n;
}

export class Spool {
  readonly dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  /** Segments on disk, oldest first, with their size and the offset already read. */
  readonly #segments: Array<{ seq: number; size: number; pos: number }> = [];
  #writer: { seq: number; handle: FileHandle } | null = null;
  #reading: { seq: number; data: Buffer; offset: number } | null = null;
  #records = 0;
  #corrupt = 0;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.#maxBytes = opts.maxBytes ?? 1024 * 1024 * 1024;
    this.#segmentBytes = opts.segmentBytes ?? 16 * 1024 * 1024;
  }

  /** Opens (creating) the directory and takes stock of what a previous run left. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    const spool = new Spool(opts);
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const files = (await readdir(opts.dir)).map((f) => SEGMENT.exec(f)).filter((m) => m !== null);
    for (const m of files.sort((a, b) => Number(a[1]) - Number(b[1]))) {
      const seq = Number(m[1]);
      const file = join(opts.dir, m[0]);
      const size = (await stat(file)).size;
      const pos = await readFile(join(opts.dir, `${name(seq)}.pos`), 'utf8').then(
        (text) => Math.min(size, Number(text) || 0),
        () => 0,
      );
      if (pos >= size) {
        await spool.#remove(seq);
        continue;
      }
      spool.#segments.push({ seq, size, pos });
      spool.#records += countLines(await readFile(file), pos);
    }
    return spool;
  }

  /** Bytes not yet read back. */
  get bytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.size - s.pos;
    return n;
  }

  /** Records not yet read back. */
  get records(): number {
    return this.#records;
  }

  /** Lines that could not be parsed (a write cut short by a crash), skipped. */
  get corrupt(): number {
    return this.#corrupt;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Appends what fits under maxBytes, in order; returns how many items were written. */
  append(items: readonly SpooledItem[]): Promise<number> {
    return this.#serial(async () => {
      let room = this.#maxBytes - this.#diskBytes();
      let text = '';
      let count = 0;
      for (const item of items) {
        const line = `${JSON.stringify(item.bodies === null ? { r: item.record } : { r: item.record, b: item.bodies })}\n`;
        const size = Buffer.byteLength(line);
        if (size > room) break;
        room -= size;
        text += line;
        count++;
      }
      if (count === 0) return 0;
      const writer = await this.#openWriter();
      const data = Buffer.from(text, 'utf8');
      await writer.handle.write(data);
      const segment = this.#segments[this.#segments.length - 1]!;
      segment.size += data.length;
      this.#records += count;
      if (segment.size >= this.#segmentBytes) await this.#closeWriter();
      return count;
    });
  }

  /** Up to `max` items, oldest first, or null when the spool is empty. */
  read(max: number): Promise<SpoolBatch | null> {
    return this.#serial(async () => {
      for (;;) {
        const segment = this.#segments[0];
        if (segment === undefined) return null;
        if (this.#writer?.seq === segment.seq) await this.#closeWriter();
        if (this.#reading?.seq !== segment.seq) {
          this.#reading = { seq: segment.seq, data: await readFile(join(this.dir, `${name(segment.seq)}.jsonl`)), offset: segment.pos };
        }
        const reading = this.#reading;
        const items: SpooledItem[] = [];
        let offset = reading.offset;
        let lines = 0;
        while (items.length < max) {
          const end = reading.data.indexOf(10, offset);
          if (end === -1) break;
          const line = reading.data.subarray(offset, end).toString('utf8');
          offset = end + 1;
          lines++;
          try {
            const parsed = JSON.parse(line) as { r: CallRecord; b?: CallBodies };
            items.push({ record: parsed.r, bodies: parsed.b ?? null });
          } catch {
            this.#corrupt++;
          }
        }
        // A last line without its newline was cut by a crash: nothing more will come after it.
        const exhausted = reading.data.indexOf(10, offset) === -1;
        if (items.length === 0 && lines === 0 && exhausted) {
          this.#records = Math.max(0, this.#records - countLines(reading.data, reading.offset));
          await this.#remove(segment.seq);
          continue;
        }
        const start = reading.offset;
        return {
          items,
          commit: () =>
            this.#serial(async () => {
              if (this.#reading?.seq !== segment.seq || this.#reading.offset !== start) return;
              this.#reading.offset = offset;
              segment.pos = offset;
              this.#records = Math.max(0, this.#records - lines);
              if (exhausted) await this.#remove(segment.seq);
              else await this.#savePos(segment.seq, offset);
            }),
        };
      }
    });
  }

  async close(): Promise<void> {
    await this.#serial(() => this.#closeWriter());
  }

  #diskBytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.size;
    return n;
  }

  async #openWriter(): Promise<{ seq: number; handle: FileHandle }> {
    if (this.#writer !== null) return this.#writer;
    const seq = (this.#segments[this.#segments.length - 1]?.seq ?? 0) + 1;
    const handle = await open(join(this.dir, `${name(seq)}.jsonl`), 'a', 0o600);
    this.#segments.push({ seq, size: 0, pos: 0 });
    this.#writer = { seq, handle };
    return this.#writer;
  }

  async #closeWriter(): Promise<void> {
    const writer = this.#writer;
    this.#writer = null;
    if (writer === null) return;
    await writer.handle.sync().catch(() => undefined);
    await writer.handle.close();
  }

  async #savePos(seq: number, pos: number): Promise<void> {
    const file = join(this.dir, `${name(seq)}.pos`);
    await writeFile(`${file}.tmp`, String(pos));
    await rename(`${file}.tmp`, file);
  }

  async #remove(seq: number): Promise<void> {
    const i = this.#segments.findIndex((s) => s.seq === seq);
    if (i !== -1) this.#segments.splice(i, 1);
    if (this.#reading?.seq === seq) this.#reading = null;
    await rm(join(this.dir, `${name(seq)}.jsonl`), { force: true });
    await rm(join(this.dir, `${name(seq)}.pos`), { force: true });
  }
}
