import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { config } from '../fixtures/config.js';
import { closedPort, startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { client, expectGantryError, parseRaw, raw, send, startGateway, type Gateway } from './helpers.js';

// An unexpected exception deep in the proxy path, to prove it becomes a 500 and nothing more.
vi.mock('../../src/gateway/paths.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/gateway/paths.js')>();
  return {
    ...original,
    upstreamPath: (...args: Parameters<typeof original.upstreamPath>) => {
      if (args[2] === '/boom') throw new Error('kaboom: internal detail');
      return original.upstreamPath(...args);
    },
  };
});

let up: UpstreamFixture;
let gw: Gateway;

beforeAll(async () => {
  up = await startUpstream('u');
  const dead = `http://127.0.0.1:${await closedPort()}`;
  // Failures count against a target (passive health): each failure mode gets its own upstream.
  const data = config()
    .upstream('ups', [up.url])
    .upstream('ups_close', [up.url])
    .upstream('ups_ht', [up.url])
    .upstream('ups_tt', [up.url])
    .upstream('ups_dead', [dead])
    .upstream('ups_drained', [{ url: up.url, weight: 0 }])
    .service('svc', 'ups')
    .service('svc_dead', 'ups_dead', { retries: 0 })
    .service('svc_drained', 'ups_drained')
    .service('svc_close', 'ups_close')
    .service('svc_header_timeout', 'ups_ht', { timeouts: { header_ms: 200 } })
    .service('svc_total_timeout', 'ups_tt', { timeouts: { header_ms: 10_000, total_ms: 300 } })
    .route('rt', 'svc', ['/*'])
    .route('rt_close', 'svc_close', ['/close'])
    .route('rt_dead', 'svc_dead', ['/dead/*'])
    .route('rt_drained', 'svc_drained', ['/drained/*'])
    .route('rt_header_timeout', 'svc_header_timeout', ['/ht/*'], { strip_prefix: true })
    .route('rt_total_timeout', 'svc_total_timeout', ['/tt/*'], { strip_prefix: true })
    .build();
  gw = await startGateway(data, { maxHeaderSize: 4096 });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

describe('upstream failures', () => {
  it('answers 502 when the upstream refuses connections', async () => {
    const r = await send(`${gw.url}/dead/x`);
    expectGantryError(r, 502, 'GANTRY_ERR_UPSTREAM_FAILED');
    expect(r.text).not.toContain('127.0.0.1');
  });

  it('answers 502 when the upstream closes the connection without answering', async () => {
    expectGantryError(await send(`${gw.url}/close`, { method: 'POST', body: 'x' }), 502, 'GANTRY_ERR_UPSTREAM_FAILED');
  });

  it('answers 503 when no target can take traffic', async () => {
    expectGantryError(await send(`${gw.url}/drained/x`), 503, 'GANTRY_ERR_NO_HEALTHY_TARGET');
  });

  it('answers 504 when response headers do not come within header_ms', async () => {
    expectGantryError(await send(`${gw.url}/ht/slow-headers?latch=never-1`), 504, 'GANTRY_ERR_UPSTREAM_TIMEOUT');
  });

  it('answers 504 when the total timeout passes before headers', async () => {
    expectGantryError(await send(`${gw.url}/tt/slow-headers?latch=never-2`), 504, 'GANTRY_ERR_UPSTREAM_TIMEOUT');
  });

  it('cuts the client connection when the total timeout passes mid-response', async () => {
    const res = await request(`${gw.url}/tt/hang-body`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
  });
});

describe('gateway failures', () => {
  it('answers 500 without internals for an unexpected exception, logs it, and keeps serving', async () => {
    const r = await send(`${gw.url}/boom`);
    expectGantryError(r, 500, 'GANTRY_ERR_INTERNAL');
    expect(r.text).not.toContain('kaboom');
    expect(gw.logger.errors.some((e) => String((e.obj as { err?: Error }).err?.message).includes('kaboom'))).toBe(true);
    expect((await send(`${gw.url}/fine`)).status).toBe(200);
  });
});

describe('malformed requests', () => {
  it('answers bad header bytes with a JSON 400 and stays up', async () => {
    const res = parseRaw(await raw(gw.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toEqual(['application/json']);
    expect(JSON.parse(res.body).error.code).toBe('GANTRY_ERR_BAD_REQUEST');
    expect((await send(`${gw.url}/still-alive`)).status).toBe(200);
  });

  it('answers oversized headers with a JSON 431', async () => {
    const res = parseRaw(await raw(gw.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).error.code).toBe('GANTRY_ERR_HEADERS_TOO_LARGE');
    expect((await send(`${gw.url}/still-alive`)).status).toBe(200);
  });

  it('refuses a request smuggling attempt (Content-Length with Transfer-Encoding)', async () => {
    const res = parseRaw(
      await raw(gw.port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    );
    expect(res.status).toBe(400);
    expect(up.hits.get('/echo')).toBeUndefined();
  });

  it('refuses an HTTP/1.1 request without Host', async () => {
    const res = parseRaw(await raw(gw.port, 'GET /echo HTTP/1.1\r\n\r\n'));
    expect(res.status).toBe(400);
  });
});
