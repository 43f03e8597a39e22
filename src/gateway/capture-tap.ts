/**
 * Body (and header) capture for the call log, on routes whose `call-log` policy asks for it. The
 * policy starts a CallCapture in the access phase; the data plane feeds it what passes through:
 *
 * - request bodies: a pass-through Transform in front of the upstream (REST, `tapRequestBody`) or
 *   the body the AI path read whole (`captureRequestBody`);
 * - response bodies: whatever is written to the client's response, whoever writes it (the proxy,
 *   the AI writer, a cached answer, a gateway error). The response's `write`/`end`/`writeHead` are
 *   wrapped on that one response object, so no responder needs to know about capture.
 *
 * At most `maxBodyBytes` of each body is copied (never a reference to a larger chunk); the rest is
 * only counted. Decoding and redaction happen later, off the hot path (telemetry/capture.ts).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { CapturedCall, CompiledCapture } from '../telemetry/capture.js';
import type { RequestContext } from './context.js';

class BodyCopy {
  readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;

  add(chunk: Buffer, max: number): void {
    this.total += chunk.length;
    const room = max - this.kept;
    if (room <= 0 || chunk.length === 0) return;
    const take = chunk.length <= room ? chunk.length : room;
    // A copy: a view would keep the whole (possibly pooled or large) chunk alive.
    this.chunks.push(Buffer.from(chunk.subarray(0, take)));
    this.kept += take;
  }

  addString(text: string, encoding: BufferEncoding, max: number): void {
    if (this.kept >= max) {
      this.total += Buffer.byteLength(text, encoding);
      return;
    }
    this.add(Buffer.from(text, encoding), max);
  }
}

type HeadArg = OutgoingHttpHeaders | readonly string[] | string | undefined;

export class CallCapture {
  readonly config: CompiledCapture;
  readonly #request = new BodyCopy();
  readonly #response = new BodyCopy();
  #requestSeen = false;
  #head: HeadArg = undefined;

  constructor(config: CompiledCapture) {
    this.config = config;
  }

  request(chunk: Buffer): void {
    this.#requestSeen = true;
    this.#request.add(chunk, this.config.maxBodyBytes);
  }

  response(chunk: unknown, encoding: unknown): void {
    if (typeof chunk === 'string') this.#response.addString(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8', this.config.maxBodyBytes);
    else if (chunk instanceof Uint8Array) this.#response.add(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), this.config.maxBodyBytes);
  }

  head(headers: HeadArg): void {
    this.#head = headers;
  }

  /** What the `gantry:call` event carries (built once, when the call is accounted for). */
  result(ctx: RequestContext): CapturedCall {
    const config = this.config;
    const out: CapturedCall = { config };
    const responseHeaders = config.headers || config.bodies ? headersOf(this.#head, ctx.res) : null;
    if (config.bodies) {
      // A body Gantry never read (a call refused before the proxy) is not there to keep.
      out.requestBody = this.#requestSeen ? this.#request.chunks : null;
      out.requestBodyBytes = this.#request.total;
      out.responseBody = this.#response.chunks;
      out.responseBodyBytes = this.#response.total;
    }
    // Content types decide how bodies are read, so headers are passed even when only bodies are kept
    // (buildBodies stores them only with capture_headers).
    out.requestHeaders = ctx.headers;
    out.responseHeaders = responseHeaders;
    return out;
  }
}

function headersOf(head: HeadArg, res: ServerResponse | null): Record<string, string | string[] | number | undefined> {
  const out: Record<string, string | string[] | number | undefined> = {};
  if (res !== null) {
    const set = res.getHeaders();
    for (const name in set) out[name] = set[name] as string | string[] | number | undefined;
  }
  if (Array.isArray(head)) {
    const flat = head as readonly string[];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = String(flat[i]).toLowerCase();
      const prev = out[name];
      const value = String(flat[i + 1]);
      out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
  } else if (head !== undefined && typeof head === 'object') {
    const obj = head as OutgoingHttpHeaders;
    for (const name in obj) out[name.toLowerCase()] = obj[name] as string | string[] | number | undefined;
  }
  return out;
}

type Write = ServerResponse['write'];
type End = ServerResponse['end'];
type WriteHead = ServerResponse['writeHead'];

/** Wraps this one response's writes so that whatever reaches the client is copied (up to the cap). */
function tapResponse(res: ServerResponse, capture: CallCapture): void {
  const write = res.write as (...args: unknown[]) => boolean;
  const end = res.end as (...args: unknown[]) => ServerResponse;
  const writeHead = res.writeHead as (...args: unknown[]) => ServerResponse;
  res.write = function capturedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    capture.response(chunk, rest[0]);
    return write.call(this, chunk, ...rest);
  } as Write;
  res.end = function capturedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]): ServerResponse {
    if (chunk !== undefined && typeof chunk !== 'function') capture.response(chunk, rest[0]);
    return end.call(this, chunk, ...rest);
  } as End;
  res.writeHead = function capturedWriteHead(this: ServerResponse, status: number, ...rest: unknown[]): ServerResponse {
    const last = rest[rest.length - 1];
    capture.head(typeof last === 'string' ? undefined : (last as HeadArg));
    return writeHead.call(this, status, ...rest);
  } as WriteHead;
}

/**
 * Called by the `call-log` policy: the call will carry `config` (its redaction also applies to the
 * query string), and bodies/headers are captured when the policy asks for them.
 */
export function startCapture(ctx: RequestContext, config: CompiledCapture): void {
  if (ctx.capture !== null) return;
  const capture = new CallCapture(config);
  ctx.capture = capture;
  if ((config.bodies || config.headers) && ctx.res !== null) tapResponse(ctx.res, capture);
}

/** Copies the request body on its way upstream. */
class RequestTap extends Transform {
  readonly #capture: CallCapture;

  constructor(capture: CallCapture) {
    super();
    this.#capture = capture;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#capture.request(chunk);
    callback(null, chunk);
  }
}

/** The proxy's request body, or a pass-through copying it when the route captures bodies. */
export function tapRequestBody<B extends Readable | null | undefined | string | Buffer | Uint8Array | Iterable<unknown> | AsyncIterable<unknown> | FormData>(
  ctx: RequestContext,
  body: B,
): B | Transform {
  const capture = ctx.capture;
  if (capture === null || !capture.config.bodies || body === null || body === undefined) return body;
  const source = body as unknown as Readable;
  if (typeof source.pipe !== 'function') return body;
  const tap = new RequestTap(capture);
  source.on('error', (err) => tap.destroy(err));
  source.pipe(tap);
  return tap;
}

/** The AI path's request body, read whole. */
export function captureRequestBody(ctx: RequestContext, body: Buffer): void {
  const capture = ctx.capture;
  if (capture !== null && capture.config.bodies) capture.request(body);
}
