import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { parseRaw, raw, startGateway, waitFor, type Gateway } from './helpers.js';

let up: UpstreamFixture;
let gw: Gateway;

beforeAll(async () => {
  up = await startUpstream('u');
  const data = config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .route('rt_ws', 'svc', ['/ws/*'], { methods: ['GET'] })
    .route('rt_reject', 'svc', ['/ws-reject'])
    .app('app_1')
    .key('key_1', 'app_1', 'gk_ws')
    .policy('pol_auth', 'key-auth', 'route', 'rt_ws')
    .build();
  gw = await startGateway(data);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const wsUrl = (path: string) => gw.url.replace('http', 'ws') + path;

function open(path: string, headers: Record<string, string>): Promise<{ ws: WebSocket; res: IncomingMessage; hello: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), { headers });
    let res: IncomingMessage;
    ws.once('upgrade', (r) => (res = r));
    ws.once('message', (data) => resolve({ ws, res, hello: JSON.parse(String(data)) }));
    ws.once('unexpected-response', (_req, r) => reject(Object.assign(new Error(`status ${r.statusCode}`), { statusCode: r.statusCode })));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

describe('websocket pass-through', () => {
  it('relays the upgrade and echoes text and binary messages, with key-auth', async () => {
    const { ws, res, hello } = await open('/ws/chat?room=1', { authorization: 'Bearer gk_ws', 'x-request-id': 'ws-1' });
    expect(res.headers['x-upstream']).toBe('u');
    expect(res.headers['x-request-id']).toBe('ws-1');
    expect(hello.url).toBe('/ws/chat?room=1');
    expect(hello.headers.authorization).toBeUndefined();
    expect(hello.headers['x-forwarded-for']).toBe('127.0.0.1');

    ws.send('hello');
    expect(String((await next(ws)).data)).toBe('hello');
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    ws.send(bytes);
    const echoed = await next(ws);
    expect(echoed.isBinary).toBe(true);
    expect(Buffer.compare(echoed.data, bytes)).toBe(0);
    ws.close();
  });

  it('refuses an upgrade without a key with a plain HTTP 401', async () => {
    await expect(open('/ws/chat', {})).rejects.toMatchObject({ statusCode: 401 });
    const res = parseRaw(
      await raw(gw.port, 'GET /ws/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('GANTRY_ERR_UNAUTHORIZED');
  });

  it('relays an upstream that refuses the upgrade', async () => {
    await expect(open('/ws-reject', {})).rejects.toMatchObject({ statusCode: 403 });
  });

  it('answers 404 for an upgrade no route matches', async () => {
    await expect(open('/nowhere', {})).rejects.toMatchObject({ statusCode: 404 });
  });

  it('closes the upstream side when the client goes away', async () => {
    const upstreamConnections = () => new Promise<number>((resolve) => up.server.getConnections((_e, n) => resolve(n)));
    const before = await upstreamConnections();
    const { ws } = await open('/ws/bye', { authorization: 'Bearer gk_ws' });
    expect(await upstreamConnections()).toBe(before + 1);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.terminate();
    await closed;
    // The upstream connection of the tunnel is torn down with it.
    await waitFor(async () => (await upstreamConnections()) === before, 5000, 'upstream tunnel to close');
  });
});
