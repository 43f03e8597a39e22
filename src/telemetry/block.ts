/**
 * Where a pipeline keeps the calls of one batch while it fills (at most `capacity` rows). A plain call
 * (no AI event, nothing captured) is copied into number and string columns as it arrives (strings
 * stored once per block, request and trace ids as UTF-8 bytes), and its event is let go: what the
 * proxy's thread holds per waiting call is a few numbers and bytes, not three objects that live long
 * enough to be promoted, and nothing is built per call until the batch is written — by the store
 * writer's thread, for the store sink.
 * Other calls keep their CallEntry and become records when the batch is taken (record.ts).
 *
 * Rows leave from the front (the overflow policy drops the oldest); `data()` is the live rows as
 * BlockData (block-data.ts), with the kept entries prepared.
 *
 * The columns live in shared memory taken from the pipeline's BlockPool and given back by
 * `release()` once the batch is written: posted to the store's worker they are shared, not copied,
 * and no batch allocates (and faults in) fresh memory.
 */
import { CallEntry, prepareEntry, redactQuery, type PrepareOptions } from './record.js';
import {
  type BlockData,
  type BlockRecord,
  N_BYTES_IN,
  N_BYTES_OUT,
  N_ID_HI,
  N_ID_LO,
  N_LATENCY,
  N_RETRIES,
  N_REQUEST_ID_BYTES,
  N_SIZE,
  N_STATUS,
  N_TEXT_AT,
  N_TIME,
  N_TRACE_ID_BYTES,
  N_UPSTREAM_LATENCY,
  N_UPSTREAM_STATUS,
  NUMS,
  S_APP,
  S_CACHE,
  S_CLIENT_IP,
  S_ERROR,
  S_HOST,
  S_KEY,
  S_METHOD,
  S_PATH,
  S_QUERY,
  S_RATE_LIMIT,
  S_ROUTE,
  S_SERVICE,
  S_TARGET,
  S_TEAM,
  STRS,
} from './block-data.js';
import { DEFAULT_REDACTOR } from './redact.js';

/** Bytes of request and trace ids per row to start with (a UUID and a W3C trace id fit). */
const TEXT_PER_ROW = 72;

interface Columns {
  num: Float64Array;
  str: Int32Array;
  text: Buffer;
}

function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

/** Column memory for blocks of one capacity, kept for reuse (a few sets at most). */
export class BlockPool {
  readonly capacity: number;
  readonly #free: Columns[] = [];
  readonly #keep: number;

  constructor(capacity: number, keep = 4) {
    this.capacity = capacity;
    this.#keep = keep;
  }

  take(): Columns {
    const rows = this.capacity;
    return (
      this.#free.pop() ?? {
        num: new Float64Array(new SharedArrayBuffer(rows * NUMS * 8)),
        str: new Int32Array(new SharedArrayBuffer(rows * STRS * 4)),
        text: sharedBuffer(rows * TEXT_PER_ROW),
      }
    );
  }

  give(columns: Columns): void {
    if (this.#free.length < this.#keep) this.#free.push(columns);
  }
}

export class CallBlock {
  readonly capacity: number;
  /** Rows added (dropped ones included). */
  length = 0;
  /** First live row: rows before it were dropped. */
  start = 0;
  /** Estimated bytes of the live rows. */
  bytes = 0;
  readonly #pool: BlockPool;
  #columns: Columns | null;
  readonly #num: Float64Array;
  readonly #str: Int32Array;
  readonly #strings: string[] = [];
  readonly #index = new Map<string, number>();
  /** Per column, the last string stored and its index: consecutive calls mostly share them. */
  readonly #lastString: Array<string | null> = new Array<string | null>(STRS).fill(null);
  readonly #lastIndex = new Int32Array(STRS);
  #text: Buffer;
  #textAt = 0;
  /** Rows kept as entries, by row (null: its record could not be built, the row is skipped). */
  readonly #entries = new Map<number, CallEntry | null>();

  constructor(pool: BlockPool) {
    this.#pool = pool;
    this.capacity = pool.capacity;
    const columns = pool.take();
    this.#columns = columns;
    this.#num = columns.num;
    this.#str = columns.str;
    this.#text = columns.text;
  }

  /** Gives the column memory back to the pool: the block is not read again. */
  release(): void {
    if (this.#columns === null) return;
    // The set as taken (a text buffer that had to grow was replaced, not changed).
    this.#pool.give(this.#columns);
    this.#columns = null;
  }

  get live(): number {
    return this.length - this.start;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Arrival time of the oldest live row. */
  oldestTime(): number | undefined {
    if (this.start >= this.length) return undefined;
    const entry = this.#entries.get(this.start);
    return entry ? entry.time : this.#num[this.start * NUMS + N_TIME];
  }

  add(entry: CallEntry, opts: PrepareOptions): void {
    const row = this.length++;
    this.bytes += entry.size;
    const num = this.#num;
    const n = row * NUMS;
    num[n + N_TIME] = entry.time;
    num[n + N_SIZE] = entry.size;
    const call = entry.call;
    if (call === null || entry.ai !== null || entry.record !== null || (call.capture !== undefined && call.capture !== null)) {
      this.#entries.set(row, entry);
      return;
    }
    num[n + N_ID_HI] = entry.idHi;
    num[n + N_ID_LO] = entry.idLo;
    num[n + N_STATUS] = call.status;
    num[n + N_BYTES_IN] = call.bytesIn;
    num[n + N_BYTES_OUT] = call.bytesOut;
    num[n + N_LATENCY] = call.latencyMs;
    num[n + N_UPSTREAM_LATENCY] = call.upstreamLatencyMs ?? NaN;
    num[n + N_UPSTREAM_STATUS] = call.upstreamStatus ?? NaN;
    num[n + N_RETRIES] = call.retries;
    const s = row * STRS;
    this.#put(s, S_TEAM, call.routeTeamId ?? call.teamId ?? null);
    this.#put(s, S_SERVICE, call.serviceId);
    this.#put(s, S_ROUTE, call.routeId);
    this.#put(s, S_APP, call.appId);
    this.#put(s, S_KEY, call.keyId);
    this.#put(s, S_CLIENT_IP, call.clientIp);
    this.#put(s, S_METHOD, call.method);
    this.#put(s, S_HOST, call.host ?? null);
    this.#put(s, S_PATH, call.path);
    const query = call.query;
    // Redacted now: nothing unredacted waits in memory longer than the call did.
    this.#put(s, S_QUERY, query === undefined || query === '' ? '' : redactQuery(query, opts.queryRedactor ?? DEFAULT_REDACTOR));
    this.#put(s, S_ERROR, call.errorCode);
    this.#put(s, S_TARGET, call.upstreamTarget);
    this.#put(s, S_CACHE, call.cacheStatus ?? null);
    this.#put(s, S_RATE_LIMIT, call.rateLimit ?? null);
    const requestId = call.requestId;
    const traceId = call.traceId ?? null;
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    const room = 3 * (requestId.length + (traceId === null ? 0 : traceId.length));
    if (this.#textAt + room > this.#text.length) this.#growText(room);
    const text = this.#text;
    let at = this.#textAt;
    num[n + N_TEXT_AT] = at;
    const idBytes = text.write(requestId, at);
    num[n + N_REQUEST_ID_BYTES] = idBytes;
    at += idBytes;
    if (traceId === null) num[n + N_TRACE_ID_BYTES] = -1;
    else {
      const traceBytes = text.write(traceId, at);
      num[n + N_TRACE_ID_BYTES] = traceBytes;
      at += traceBytes;
    }
    this.#textAt = at;
  }

  #growText(room: number): void {
    const text = sharedBuffer(Math.max(this.#text.length * 2, this.#textAt + room));
    this.#text.copy(text, 0, 0, this.#textAt);
    this.#text = text;
  }

  #put(s: number, col: number, value: string | null): void {
    let i: number;
    if (value === null) i = -1;
    else if (value === this.#lastString[col]) i = this.#lastIndex[col]!;
    else {
      const known = this.#index.get(value);
      if (known === undefined) {
        i = this.#strings.length;
        this.#strings.push(value);
        this.#index.set(value, i);
      } else i = known;
      this.#lastString[col] = value;
      this.#lastIndex[col] = i;
    }
    this.#str[s + col] = i;
  }

  /** Drops the oldest live row; its estimated bytes, or undefined when none is left. */
  dropOldest(): number | undefined {
    if (this.start >= this.length) return undefined;
    const row = this.start++;
    const size = this.#num[row * NUMS + N_SIZE]!;
    this.bytes -= size;
    this.#entries.delete(row);
    return size;
  }

  /**
   * The live rows as BlockData; kept entries are prepared (built and redacted) here, once: a row whose
   * record cannot be built is reported to `onFailure` the first time and skipped.
   */
  data(opts: PrepareOptions, onFailure: (err: unknown) => void): BlockData {
    const first = this.start;
    const length = this.length - first;
    const records: BlockRecord[] = [];
    const skip: number[] = [];
    // Map order is row order: rows are added in order.
    for (const [row, entry] of this.#entries) {
      if (row < first) continue;
      if (entry === null) {
        skip.push(row - first);
        continue;
      }
      try {
        const record = prepareEntry(entry, opts);
        records.push({ row: row - first, record, bodies: entry.bodies });
      } catch (err) {
        this.#entries.set(row, null);
        skip.push(row - first);
        onFailure(err);
      }
    }
    return {
      node: opts.nodeId,
      length,
      // Views of the shared memory (the text whole: the live rows' offsets point into it).
      num: this.#num.subarray(first * NUMS, this.length * NUMS),
      str: this.#str.subarray(first * STRS, this.length * STRS),
      strings: this.#strings,
      text: new Uint8Array(this.#text.buffer, this.#text.byteOffset, this.#textAt),
      records,
      skip,
    };
  }
}
