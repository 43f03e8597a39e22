import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { config } from '../fixtures/config.js';
import { pattern, startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { client, expectGantryError, parseRaw, raw, send, startGateway, type Gateway } from './helpers.js';

let up: UpstreamFixture;
let gw: Gateway;
let small: Gateway;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  up = await startUpstream('u');
  const data = config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .route('rt', 'svc', ['/*'])
    .route('rt_limited', 'svc', ['/limited/*'], { strip_prefix: true })
    .policy('pol_limit', 'request-size-limit', 'route', 'rt_limited', { max_bytes: 1000 })
    .build();
  gw = await startGateway(data);
  // No policy: the node default applies.
  small = await startGateway(config().upstream('ups', [up.url]).service('svc', 'ups').route('rt', 'svc', ['/*']).build(), {
    maxBodyBytes: 1000,
  });
});

afterAll(async () => {
  await Promise.all([gw.close(), small.close()]);
  await up.close();
});

describe('streaming', () => {
  it('delivers the first SSE event while the upstream still holds the rest', async () => {
    const res = await request(`${gw.url}/sse?latch=sse1`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    const it = res.body[Symbol.asyncIterator]();
    const first = await it.next();
    expect(Buffer.from(first.value).toString()).toContain('data: first');
    // Only now may the upstream send the rest.
    up.latch('sse1').release();
    let rest = '';
    for (let r = await it.next(); !r.done; r = await it.next()) rest += Buffer.from(r.value).toString();
    expect(rest).toContain('data: second');
    expect(rest).toContain('data: [DONE]');
  });

  it('streams a large request body upstream and back byte for byte', async () => {
    const body = pattern(6 * 1024 * 1024 + 17);
    async function* chunks() {
      for (let i = 0; i < body.length; i += 64 * 1024) yield body.subarray(i, i + 64 * 1024);
    }
    for (const payload of [body, chunks()]) {
      const res = await request(`${gw.url}/echo-body`, { dispatcher: client, method: 'POST', body: payload as Buffer });
      const got = Buffer.from(await res.body.arrayBuffer());
      expect(res.statusCode).toBe(200);
      expect(got.length).toBe(body.length);
      expect(sha(got)).toBe(sha(body));
    }
  });

  it('streams a large response body byte for byte', async () => {
    const bytes = 9 * 1024 * 1024 + 3;
    const res = await request(`${gw.url}/large?bytes=${bytes}`, { dispatcher: client });
    expect(res.headers['content-length']).toBe(String(bytes));
    const got = Buffer.from(await res.body.arrayBuffer());
    expect(sha(got)).toBe(sha(pattern(bytes)));
  });
});

describe('request size limits', () => {
  it('answers 413 at once when Content-Length is over the limit, without calling the upstream', async () => {
    const before = up.hits.get('/echo') ?? 0;
    const r = await send(`${gw.url}/limited/echo`, { method: 'POST', body: 'x'.repeat(2000) });
    expectGantryError(r, 413, 'GANTRY_ERR_BODY_TOO_LARGE');
    expect(up.hits.get('/echo') ?? 0).toBe(before);
    expect((await send(`${gw.url}/limited/echo`, { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(200);
  });

  it('answers 413 when a chunked body grows past the limit while streaming', async () => {
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const text = await raw(
      gw.port,
      'POST /limited/echo-body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
        chunk('a'.repeat(600)) + chunk('b'.repeat(600)) + chunk('c'.repeat(600)) + '0\r\n\r\n',
    );
    const res = parseRaw(text);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('GANTRY_ERR_BODY_TOO_LARGE');
    expect(res.headers.connection).toEqual(['close']);
  });

  it('applies the node-wide default limit when no policy is attached', async () => {
    expectGantryError(await send(`${small.url}/echo`, { method: 'POST', body: 'x'.repeat(1001) }), 413, 'GANTRY_ERR_BODY_TOO_LARGE');
    async function* big() {
      for (let i = 0; i < 4; i++) yield Buffer.alloc(400, 0x61);
    }
    const text = await raw(
      small.port,
      'POST /echo-body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
        (await (async () => {
          let s = '';
          for await (const b of big()) s += `${b.length.toString(16)}\r\n${b.toString()}\r\n`;
          return s + '0\r\n\r\n';
        })()),
    );
    expect(parseRaw(text).status).toBe(413);
    expect((await send(`${small.url}/echo`, { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(200);
  });
});
