import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePolicyConfig } from '../../src/gateway/index.js';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { send, startGateway, type Gateway } from './helpers.js';

let up: UpstreamFixture;
let gw: Gateway;

beforeAll(async () => {
  up = await startUpstream('u');
  const data = config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .route('rt', 'svc', ['/*'])
    .route('rt_plain', 'svc', ['/plain/*'])
    .policy('pol_req', 'request-headers', 'route', 'rt', {
      set: { 'X-Set': 'gateway', 'X-Forwarded-Proto': 'https' },
      add: { 'X-Add': 'second' },
      remove: ['X-Remove', 'Cookie'],
    })
    .policy('pol_res', 'response-headers', 'route', 'rt', {
      set: { 'X-Upstream': 'masked' },
      add: { 'X-Added': 'yes' },
      remove: ['Content-Type'],
    })
    .build();
  gw = await startGateway(data);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

describe('request-headers and response-headers', () => {
  it('sets, adds and removes headers sent upstream', async () => {
    const r = await send(`${gw.url}/echo`, {
      headers: { 'x-set': 'client', 'x-add': 'first', 'x-remove': 'gone', cookie: 'a=b', 'x-other': 'kept' },
    });
    const h = r.json().headers;
    expect(h['x-set']).toBe('gateway');
    expect(h['x-add']).toBe('first, second');
    expect(h['x-remove']).toBeUndefined();
    expect(h.cookie).toBeUndefined();
    expect(h['x-other']).toBe('kept');
    expect(h['x-forwarded-proto']).toBe('https');
  });

  it('sets, adds and removes headers sent to the client', async () => {
    const r = await send(`${gw.url}/echo`);
    expect(r.headers['x-upstream']).toBe('masked');
    expect(r.headers['x-added']).toBe('yes');
    expect(r.headers['content-type']).toBeUndefined();
    const plain = await send(`${gw.url}/plain/echo`);
    expect(plain.headers['x-upstream']).toBe('u');
    expect(plain.headers['content-type']).toBe('application/json');
  });

  it('refuses hop-by-hop, Host and invalid names or values', () => {
    const problems = (cfg: unknown) => {
      try {
        validatePolicyConfig('request-headers', cfg);
      } catch (err) {
        return (err as { code: string; details: Array<{ path: string; message: string }> }).details;
      }
      throw new Error('accepted');
    };
    expect(problems({ set: { Connection: 'close' } })).toEqual([{ path: '/set/Connection', message: expect.stringContaining('connection') }]);
    expect(problems({ remove: ['Transfer-Encoding'] })[0]).toMatchObject({ path: '/remove/0' });
    expect(problems({ add: { Host: 'x' } })[0].message).toContain('host');
    expect(problems({ set: { 'bad name': 'x' } })[0].message).toContain('not a valid header name');
    expect(problems({ set: { 'X-Ok': 'a\r\nb' } })[0].message).toContain('CR');
    expect(() => validatePolicyConfig('response-headers', { set: { Upgrade: 'x' } })).toThrow(/upgrade/);
  });
});
