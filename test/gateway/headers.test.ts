import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, passThrough } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { parseRaw, raw, send, startGateway, type Gateway } from './helpers.js';

let up: UpstreamFixture;
let gw: Gateway;
let trusting: Gateway;

beforeAll(async () => {
  up = await startUpstream('u');
  const data = config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .service('svc_host', 'ups', { preserve_host: true })
    .route('rt', 'svc', ['/*'])
    .route('rt_host', 'svc_host', ['/keep-host/*'])
    .build();
  gw = await startGateway(data);
  trusting = await startGateway(passThrough([up.url]).build(), { trustProxy: true });
});

afterAll(async () => {
  await Promise.all([gw.close(), trusting.close()]);
  await up.close();
});

describe('request headers sent upstream', () => {
  it('removes hop-by-hop headers and those named in Connection', async () => {
    const text = await raw(
      gw.port,
      'GET /echo HTTP/1.1\r\nHost: gw.test\r\nConnection: close, x-custom-hop\r\nx-custom-hop: secret\r\n' +
        'Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\n' +
        'Trailer: x-t\r\nx-end-to-end: kept\r\n\r\n',
    );
    const res = parseRaw(text);
    expect(res.status).toBe(200);
    const headers = JSON.parse(res.body).headers as Record<string, string>;
    for (const name of ['x-custom-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'trailer', 'upgrade']) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(headers['x-end-to-end']).toBe('kept');
  });

  it('sets X-Forwarded-* and replaces a client X-Forwarded-For when the proxy is not trusted', async () => {
    const r = await send(`${gw.url}/echo`, { headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test' } });
    const h = r.json().headers;
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe(new URL(gw.url).host);
  });

  it('appends to X-Forwarded-For and keeps X-Forwarded-Proto/Host when the proxy is trusted', async () => {
    const r = await send(`${trusting.url}/echo`, { headers: { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.test' } });
    const h = r.json().headers;
    expect(h['x-forwarded-for']).toBe('1.2.3.4, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-host']).toBe('public.test');
  });

  it("sends the target's Host, or the client's with preserve_host", async () => {
    const plain = await send(`${gw.url}/echo`, { headers: { host: 'client.test' } });
    expect(plain.json().headers.host).toBe(`127.0.0.1:${up.port}`);
    const kept = await send(`${gw.url}/keep-host/x`, { headers: { host: 'client.test' } });
    expect(kept.json().headers.host).toBe('client.test');
  });

  it('keeps a valid client X-Request-Id, upstream and back', async () => {
    const r = await send(`${gw.url}/echo`, { headers: { 'x-request-id': 'abc-123_XYZ' } });
    expect(r.headers['x-request-id']).toBe('abc-123_XYZ');
    expect(r.json().headers['x-request-id']).toBe('abc-123_XYZ');
  });

  it('generates an X-Request-Id when absent or invalid, the same upstream and back', async () => {
    for (const given of [undefined, 'x'.repeat(201), 'has space']) {
      const r = await send(`${gw.url}/echo`, { headers: given === undefined ? {} : { 'x-request-id': given } });
      const id = r.headers['x-request-id'] as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.json().headers['x-request-id']).toBe(id);
    }
  });

  it('re-frames bodies: a known length keeps Content-Length, a chunked body is framed by the proxy', async () => {
    const known = await send(`${gw.url}/echo`, { method: 'POST', body: 'hello' });
    expect(known.json().headers['content-length']).toBe('5');
    expect(known.json().headers['transfer-encoding']).toBeUndefined();
    async function* chunks() {
      yield Buffer.from('hel');
      yield Buffer.from('lo');
    }
    const chunked = await send(`${gw.url}/echo`, { method: 'POST', body: chunks() });
    expect(chunked.json()).toMatchObject({ body: 'hello' });
    // undici frames it: chunked, or Content-Length when the whole body was already there.
    const h = chunked.json().headers;
    expect(h['transfer-encoding'] === 'chunked' || h['content-length'] === '5').toBe(true);
    expect(h['transfer-encoding'] !== undefined && h['content-length'] !== undefined).toBe(false);
  });
});

describe('response headers sent to the client', () => {
  it('removes hop-by-hop headers and those named in Connection, keeps the rest and repeated ones', async () => {
    const r = await send(`${gw.url}/header-bomb`);
    expect(r.status).toBe(200);
    expect(r.headers['x-secret-hop']).toBeUndefined();
    expect(r.headers['proxy-authenticate']).toBeUndefined();
    expect(r.headers['keep-alive']).not.toBe('timeout=5');
    expect(r.headers['x-kept']).toBe('yes');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.headers['x-request-id']).not.toBe('upstream-own-id');
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
