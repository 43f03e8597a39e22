import diagnostics_channel from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_CHANNEL, type CallEvent } from '../../src/gateway/index.js';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { expectGantryError, send, startGateway, waitFor, type Gateway } from './helpers.js';

let up: UpstreamFixture;
let gw: Gateway;

beforeAll(async () => {
  up = await startUpstream('u');
  const data = config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .service('svc_open', 'ups')
    .route('rt', 'svc', ['/api/*'])
    .route('rt_custom', 'svc', ['/custom/*'])
    .route('rt_open', 'svc_open', ['/open/*'])
    .route('rt_inherits', 'svc', ['/inherits/*'])
    .app('app_1')
    .key('key_good', 'app_1', 'gk_good')
    .key('key_old', 'app_1', 'gk_old', { expires_at: '2000-01-01T00:00:00.000Z' })
    .key('key_off', 'app_1', 'gk_off', { enabled: false })
    .key('key_orphan', 'app_gone', 'gk_orphan')
    .policy('pol_auth', 'key-auth', 'service', 'svc', {})
    .policy('pol_custom', 'key-auth', 'route', 'rt_custom', { header: 'X-Api-Key', hide_credentials: false })
    .policy('pol_off', 'key-auth', 'route', 'rt_open', {}, { enabled: false })
    .policy('pol_off2', 'key-auth', 'route', 'rt_inherits', { header: 'x-other' }, { enabled: false })
    .build();
  gw = await startGateway(data);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const call = (path: string, headers: Record<string, string> = {}) => send(gw.url + path, { headers });

describe('key-auth', () => {
  it('refuses a request without a key with 401 and a Bearer challenge', async () => {
    const r = await call('/api/x');
    expectGantryError(r, 401, 'GANTRY_ERR_UNAUTHORIZED');
    expect(r.headers['www-authenticate']).toBe('Bearer');
    expect(up.hits.get('/api/x')).toBeUndefined();
  });

  it('refuses wrong, expired, disabled and orphaned keys', async () => {
    for (const key of ['gk_wrong', 'gk_old', 'gk_off', 'gk_orphan']) {
      const r = await call('/api/x', { authorization: `Bearer ${key}` });
      expectGantryError(r, 401, 'GANTRY_ERR_UNAUTHORIZED');
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await call('/api/x', { authorization: 'Bearer gk_old' })).json().error.message).toMatch(/expired/);
    expectGantryError(await call('/api/x', { authorization: 'Basic gk_good' }), 401, 'GANTRY_ERR_UNAUTHORIZED');
  });

  it('lets a good key through and hides it from the upstream by default', async () => {
    const r = await call('/api/x', { authorization: 'Bearer gk_good' });
    expect(r.status).toBe(200);
    expect(r.json().headers.authorization).toBeUndefined();
    expect((await call('/api/x', { authorization: 'bearer gk_good' })).status).toBe(200);
  });

  it('reads a custom header carrying the raw key, and can leave it for the upstream', async () => {
    expectGantryError(await call('/custom/x', { authorization: 'Bearer gk_good' }), 401, 'GANTRY_ERR_UNAUTHORIZED');
    const r = await call('/custom/x', { 'x-api-key': 'gk_good' });
    expect(r.status).toBe(200);
    expect(r.json().headers['x-api-key']).toBe('gk_good');
  });

  it('ignores disabled policies: nothing applies, or the less specific level does', async () => {
    expect((await call('/open/x')).status).toBe(200);
    expectGantryError(await call('/inherits/x', { 'x-other': 'gk_good' }), 401, 'GANTRY_ERR_UNAUTHORIZED');
    expect((await call('/inherits/x', { authorization: 'Bearer gk_good' })).status).toBe(200);
  });

  it('names the consumer in the gantry:call event', async () => {
    const events: CallEvent[] = [];
    const onEvent = (e: unknown) => events.push(e as CallEvent);
    diagnostics_channel.subscribe(CALL_CHANNEL, onEvent);
    try {
      await call('/api/event?x=1', { authorization: 'Bearer gk_good', 'x-request-id': 'evt-1' });
      await call('/api/event', { 'x-request-id': 'evt-2' });
      await waitFor(() => events.some((e) => e.requestId === 'evt-2'));
    } finally {
      diagnostics_channel.unsubscribe(CALL_CHANNEL, onEvent);
    }
    const ok = events.find((e) => e.requestId === 'evt-1')!;
    expect(ok).toMatchObject({
      status: 200,
      routeId: 'rt',
      serviceId: 'svc',
      appId: 'app_1',
      keyId: 'key_good',
      method: 'GET',
      path: '/api/event',
      upstreamTarget: up.url,
      upstreamStatus: 200,
      retries: 0,
      errorCode: null,
    });
    expect(ok.bytesOut).toBeGreaterThan(0);
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(events.find((e) => e.requestId === 'evt-2')).toMatchObject({ status: 401, appId: null, errorCode: 'GANTRY_ERR_UNAUTHORIZED', upstreamTarget: null });
  });
});

describe('key-auth across teams', () => {
  let other: Gateway;
  beforeAll(async () => {
    const data = config()
      .upstream('ups', [up.url])
      .service('svc', 'ups')
      .route('rt_own', 'svc', ['/own/*'])
      .route('rt_shared', 'svc', ['/shared/*'])
      .app('app_mine')
      .key('key_mine', 'app_mine', 'gk_mine')
      .app('app_theirs')
      .key('key_theirs', 'app_theirs', 'gk_theirs')
      .policy('pol_own', 'key-auth', 'route', 'rt_own', {})
      .policy('pol_shared', 'key-auth', 'route', 'rt_shared', { allow_other_teams: true })
      .build();
    // app_theirs and its key belong to another tenant.
    data.teams.push({ ...data.teams[0]!, id: 'team_other', name: 'other' });
    data.apps.find((a) => a.id === 'app_theirs')!.team_id = 'team_other';
    data.apiKeys.find((k) => k.id === 'key_theirs')!.team_id = 'team_other';
    other = await startGateway(data);
  });
  afterAll(async () => {
    await other.close();
  });

  it("refuses another team's key with 403 GANTRY_ERR_KEY_NOT_ALLOWED and accepts the route team's own", async () => {
    const mine = await send(`${other.url}/own/x`, { headers: { authorization: 'Bearer gk_mine' } });
    expect(mine.status).toBe(200);
    const theirs = await send(`${other.url}/own/x`, { headers: { authorization: 'Bearer gk_theirs' } });
    expectGantryError(theirs, 403, 'GANTRY_ERR_KEY_NOT_ALLOWED');
  });

  it('accepts other teams’ keys where the policy allows it', async () => {
    const theirs = await send(`${other.url}/shared/x`, { headers: { authorization: 'Bearer gk_theirs' } });
    expect(theirs.status).toBe(200);
  });
});
