/**
 * A whole node (store + admin API + data plane) changed through the admin API while traffic flows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../helpers/gantry.js';

async function upstream(name: string): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ upstream: name, path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a node changed through the admin API', () => {
  let g: TestGantry;
  let a: { url: string; server: http.Server };
  let b: { url: string; server: http.Server };

  beforeAll(async () => {
    g = await startTestGantry();
    a = await upstream('a');
    b = await upstream('b');
  });
  afterAll(async () => {
    await g.stop();
    a.server.close();
    b.server.close();
  });

  it('serves each change as soon as the admin call returns, and drops no request while changing', async () => {
    const ups = await g.api('POST', '/upstreams', { name: 'pool', targets: [{ url: a.url }] });
    expect(ups.status).toBe(201);
    const svc = await g.api('POST', '/services', { name: 'svc', upstream_id: ups.body.id });
    expect(svc.status).toBe(201);
    const route = await g.api('POST', '/routes', { name: 'main', service_id: svc.body.id, paths: ['/main/*'], strip_prefix: true });
    expect(route.status).toBe(201);
    // No wait: the admin response comes after this node applied the change.
    const first = await fetch(`${g.dataUrl}/main/x`);
    expect(await first.json()).toEqual({ upstream: 'a', path: '/x' });

    // Bounded load: 1200 requests, 12 at a time, at most 30 s.
    const deadline = Date.now() + 30_000;
    let sent = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const worker = async () => {
      while (sent < 1200 && Date.now() < deadline) {
        sent++;
        try {
          const res = await fetch(`${g.dataUrl}/main/load`);
          const body = (await res.json()) as { upstream?: string };
          if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
          else seen.add(body.upstream!);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, worker));

    // Meanwhile: 20 changes, switching targets and adding routes; each is served at once.
    for (let i = 0; i < 20; i++) {
      const target = i % 2 === 0 ? b.url : a.url;
      const patched = await g.api('PATCH', `/upstreams/${ups.body.id}`, { targets: [{ url: target }] });
      expect(patched.status).toBe(200);
      const added = await g.api('POST', '/routes', { name: `extra-${i}`, service_id: svc.body.id, paths: [`/extra-${i}`] });
      expect(added.status).toBe(201);
      const res = await fetch(`${g.dataUrl}/extra-${i}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { upstream: string }).upstream).toBe(i % 2 === 0 ? 'b' : 'a');
    }
    await load;
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(100);
    expect(seen).toEqual(new Set(['a', 'b']));
  }, 60_000);

  it('follows a change written by another process (the version poll) without a restart', async () => {
    const ups = await g.api('POST', '/upstreams', { name: 'poll', targets: [{ url: a.url }] });
    const svc = await g.api('POST', '/services', { name: 'poll', upstream_id: ups.body.id });
    // Write straight to the store, as `gantry apply` in another process would: no in-process signal.
    const version = g.dataPlane!.configVersion;
    await g.store.routes.create({ team_id: svc.body.team_id, service_id: svc.body.id, name: 'polled', paths: ['/polled'] });
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < 5000) {
      status = (await fetch(`${g.dataUrl}/polled`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
    expect(g.dataPlane!.configVersion).toBeGreaterThan(version);
  });

  it('answers admin input errors with a code and details, and changes nothing', async () => {
    const before = await g.api('GET', '/upstreams');
    const bad = await g.api('POST', '/upstreams', { name: 'bad', targets: [{ url: 'ftp://x' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('GANTRY_ERR_VALIDATION');
    expect(bad.body.error.details[0].path).toBe('/targets/0/url');
    expect(JSON.stringify(bad.body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect((await g.api('GET', '/upstreams')).body.data).toEqual(before.body.data);
  });
});
