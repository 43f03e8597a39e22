/** Shared test plumbing: start a data plane on port 0, send requests, raw sockets, polling. */
import net from 'node:net';
import { Agent, request } from 'undici';
import type { ConfigData } from '../../src/core/model.js';
import { DataPlane, type DataPlaneOptions } from '../../src/gateway/index.js';

export interface RecordingLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  errors: Array<{ obj: unknown; msg?: string }>;
}

export function recordingLogger(): RecordingLogger {
  const errors: RecordingLogger['errors'] = [];
  return { info() {}, warn() {}, debug() {}, error: (obj, msg) => errors.push({ obj, msg }), errors };
}

export interface Gateway {
  plane: DataPlane;
  url: string;
  port: number;
  logger: RecordingLogger;
  close(): Promise<void>;
}

export async function startGateway(data?: ConfigData, opts: DataPlaneOptions = {}): Promise<Gateway> {
  const logger = recordingLogger();
  const plane = new DataPlane({ host: '127.0.0.1', port: 0, logger, ...opts });
  if (data) plane.applyConfig(data);
  const { port, host } = await plane.listen();
  const h = host.includes(':') ? `[${host}]` : host;
  return { plane, url: `http://${h}:${port}`, port, logger, close: () => plane.close({ graceMs: 500 }) };
}

/** A client with its own connections, so tests do not share keep-alive sockets. */
export const client = new Agent({ keepAliveTimeout: 1000, connections: 50 });

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = any>(): T;
}

export async function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer | AsyncIterable<Buffer> | null } = {},
): Promise<Reply> {
  const res = await request(url, {
    dispatcher: client,
    method: (opts.method ?? 'GET') as 'GET',
    headers: opts.headers,
    body: opts.body as string | undefined,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers as Reply['headers'],
    text,
    json: () => JSON.parse(text),
  };
}

/** Send raw bytes, collect everything until the server closes (or `until` matches). */
export function raw(port: number, data: string | Buffer, until?: RegExp, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let out = '';
    socket.on('data', (d) => {
      out += d.toString('latin1');
      if (until && until.test(out)) {
        socket.destroy();
        resolve(out);
      }
    });
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', (err) => (out ? resolve(out) : reject(err)));
    socket.write(data);
  });
}

/** Parses a raw HTTP/1.1 response (not chunked-decoding: pass `connection: close` requests). */
export function parseRaw(text: string): { status: number; headers: Record<string, string[]>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(i + 1).trim());
  }
  let body = text.slice(end + 4);
  if (headers['transfer-encoding']?.[0] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function dechunk(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', i);
    if (eol === -1) return out;
    const size = parseInt(text.slice(i, eol), 16);
    if (!size) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` (a deadline, not an assertion on time). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 8000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function expectGantryError(reply: Reply, status: number, code: string): void {
  if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status}: ${reply.text}`);
  const body = reply.json();
  if (body.error?.code !== code) throw new Error(`expected ${code}, got ${reply.text}`);
  if (reply.headers['content-type'] !== 'application/json') throw new Error('error content-type is not application/json');
  if (body.error.request_id !== reply.headers['x-request-id']) throw new Error('request_id differs from X-Request-Id');
  if (/\bat .+:\d+:\d+/.test(reply.text)) throw new Error('error body leaks a stack trace');
}
