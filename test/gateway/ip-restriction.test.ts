import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CidrSet, parseCidr, parseIPv4, parseIPv6 } from '../../src/gateway/net/cidr.js';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { expectGantryError, send, startGateway, type Gateway } from './helpers.js';

let up: UpstreamFixture;
const gateways: Gateway[] = [];

function data() {
  return config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .route('rt_any', 'svc', ['/*'])
    .route('rt_allow_lo', 'svc', ['/allow-loopback/*'])
    .route('rt_allow_10', 'svc', ['/allow-10/*'])
    .route('rt_deny_wins', 'svc', ['/deny-wins/*'])
    .route('rt_v6_allow', 'svc', ['/v6-allow/*'])
    .route('rt_v6_deny', 'svc', ['/v6-deny/*'])
    .policy('p1', 'ip-restriction', 'route', 'rt_allow_lo', { allow: ['127.0.0.0/8', '::1'] })
    .policy('p2', 'ip-restriction', 'route', 'rt_allow_10', { allow: ['10.0.0.0/8'] })
    .policy('p3', 'ip-restriction', 'route', 'rt_deny_wins', { allow: ['0.0.0.0/0', '::/0'], deny: ['127.0.0.1/32', '::1/128'] })
    .policy('p4', 'ip-restriction', 'route', 'rt_v6_allow', { allow: ['::1/128'] })
    .policy('p5', 'ip-restriction', 'route', 'rt_v6_deny', { deny: ['::/1'] })
    .build();
}

async function gateway(host: string, trustProxy = false): Promise<Gateway> {
  const gw = await startGateway(data(), { host, trustProxy });
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  up = await startUpstream('u');
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await up.close();
});

describe('ip-restriction over IPv4', () => {
  it('lets allowed clients through, refuses others, and deny wins', async () => {
    const gw = await gateway('127.0.0.1');
    expect((await send(`${gw.url}/allow-loopback/x`)).status).toBe(200);
    expectGantryError(await send(`${gw.url}/allow-10/x`), 403, 'GANTRY_ERR_IP_DENIED');
    expectGantryError(await send(`${gw.url}/deny-wins/x`), 403, 'GANTRY_ERR_IP_DENIED');
    expect(up.hits.get('/allow-10/x')).toBeUndefined();
  });

  it('uses the first X-Forwarded-For entry only when the proxy is trusted', async () => {
    const untrusted = await gateway('127.0.0.1');
    expectGantryError(await send(`${untrusted.url}/allow-10/x`, { headers: { 'x-forwarded-for': '10.1.2.3' } }), 403, 'GANTRY_ERR_IP_DENIED');
    const trusted = await gateway('127.0.0.1', true);
    expect((await send(`${trusted.url}/allow-10/x`, { headers: { 'x-forwarded-for': '10.1.2.3, 127.0.0.1' } })).status).toBe(200);
  });
});

describe('ip-restriction over IPv6', () => {
  it('matches IPv6 clients against IPv6 rules', async () => {
    const gw = await gateway('::1');
    expect((await send(`${gw.url}/v6-allow/x`)).status).toBe(200);
    expect((await send(`${gw.url}/allow-loopback/x`)).status).toBe(200);
    expectGantryError(await send(`${gw.url}/v6-deny/x`), 403, 'GANTRY_ERR_IP_DENIED');
    expectGantryError(await send(`${gw.url}/allow-10/x`), 403, 'GANTRY_ERR_IP_DENIED');
  });

  it('matches IPv4-mapped IPv6 clients against IPv4 rules', async () => {
    const gw = await gateway('::');
    // Reached over IPv4 on a dual-stack socket: the peer is ::ffff:127.0.0.1.
    const v4url = gw.url.replace('[::]', '127.0.0.1');
    expect((await send(`${v4url}/echo`)).json().headers['x-forwarded-for']).toBe('::ffff:127.0.0.1');
    expect((await send(`${v4url}/allow-loopback/x`)).status).toBe(200);
    expectGantryError(await send(`${v4url}/deny-wins/x`), 403, 'GANTRY_ERR_IP_DENIED');
    expectGantryError(await send(`${v4url}/allow-10/x`), 403, 'GANTRY_ERR_IP_DENIED');
  });
});

describe('CIDR matcher', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIPv4('10.1.2.3')).toBe(0x0a010203);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', 'a.b.c.d', '']) expect(parseIPv4(bad), bad).toBe(-1);
  });

  it('parses IPv6 forms', () => {
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('2001:db8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIPv6('::ffff:1.2.3.4')).toBe(0xffff01020304n);
    expect(parseIPv6('fe80::1%eth0')).toBe(0xfe800000000000000000000000000001n);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', ':::', 'g::1', '1:2:3:4:5:6:7::8:9']) expect(parseIPv6(bad), bad).toBeNull();
  });

  it('matches ranges, mapped addresses both ways, and clears host bits', () => {
    const set = new CidrSet();
    for (const c of ['10.0.0.1/8', '2001:db8::/32', '::ffff:192.168.0.0/112']) set.add(parseCidr(c)!);
    expect(set.contains('10.200.3.4')).toBe(true);
    expect(set.contains('11.0.0.1')).toBe(false);
    expect(set.contains('::ffff:10.9.9.9')).toBe(true);
    expect(set.contains('2001:db8:ffff::1')).toBe(true);
    expect(set.contains('2001:db9::1')).toBe(false);
    expect(set.contains('192.168.5.5')).toBe(true);
    expect(set.contains('192.169.0.1')).toBe(false);
    expect(parseCidr('0.0.0.0/0')).not.toBeNull();
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'nonsense', 'fe80::1%eth0/64']) expect(parseCidr(bad), bad).toBeNull();
  });
});
