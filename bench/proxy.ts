/**
 * REST proxy benchmark (issue 2): the upstream directly, the reference proxy (node:http + undici),
 * Gantry on a plain route, Gantry with key-auth, and nginx (one worker, keep-alive upstream) when
 * `nginx` is on PATH. Every process listens on 127.0.0.1; every load run is bounded in time.
 *
 *   npm run bench            (BENCH_ROUNDS=3 BENCH_DURATION=8 BENCH_CONNECTIONS=50 by default)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  envInt,
  forkServer,
  formatTable,
  freePort,
  runRounds,
  saveResults,
  spawnProcess,
  startGantryNode,
  waitFor,
  type Scenario,
} from './lib.js';

/** A Gantry node configured for the benchmark: a plain route and a key-auth route to the upstream. */
export async function startGantry(upstreamUrl: string): Promise<{ url: string; apiKey: string }> {
  const { url, admin } = await startGantryNode();
  const ups = await admin('POST', '/upstreams', { name: 'bench', targets: [{ url: upstreamUrl }] });
  const svc = await admin('POST', '/services', { name: 'bench', upstream_id: ups.id });
  await admin('POST', '/routes', { name: 'plain', service_id: svc.id, paths: ['/plain/*'], strip_prefix: true });
  const authRoute = await admin('POST', '/routes', { name: 'auth', service_id: svc.id, paths: ['/auth/*'], strip_prefix: true });
  await admin('POST', '/policies', { type: 'key-auth', scope: 'route', target_id: authRoute.id });
  const app = await admin('POST', '/apps', { name: 'bench' });
  const key = await admin('POST', `/apps/${app.id}/keys`, { name: 'bench' });
  await waitFor(`${url}/plain/bench`);
  return { url, apiKey: key.key };
}

function hasNginx(): boolean {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** nginx as a reverse proxy: one worker, HTTP/1.1 keep-alive pool to the upstream. */
async function startNginx(upstreamPort: number): Promise<string> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-nginx-'));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log ${dir}/logs/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  spawnProcess('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/bench`);
  return url;
}

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 3);
  const durationS = envInt('BENCH_DURATION', 8);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const upstream = await forkServer('upstream.mjs', ['0']);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const reference = await forkServer('reference-proxy.mjs', ['0', upstreamUrl]);
  const gantry = await startGantry(upstreamUrl);
  const nginxUrl = hasNginx() ? await startNginx(upstream.port) : undefined;

  const load = { connections, durationS };
  const scenarios: Scenario[] = [
    { name: 'upstream direct', load: { ...load, url: `${upstreamUrl}/bench` } },
    { name: 'reference proxy', load: { ...load, url: `http://127.0.0.1:${reference.port}/bench` } },
    { name: 'gantry plain', load: { ...load, url: `${gantry.url}/plain/bench` } },
    {
      name: 'gantry key-auth',
      load: { ...load, url: `${gantry.url}/auth/bench`, headers: { authorization: `Bearer ${gantry.apiKey}` } },
    },
  ];
  if (nginxUrl) scenarios.push({ name: 'nginx', load: { ...load, url: `${nginxUrl}/bench` } });
  else process.stderr.write('nginx not on PATH: skipping it (apt-get install nginx-light)\n');

  process.stderr.write(`proxy bench: ${rounds} rounds × ${durationS}s, ${connections} connections\n`);
  const rows = await runRounds(scenarios, rounds, 2);
  const refs: Record<string, string> = { reference: 'reference proxy' };
  if (nginxUrl) refs.nginx = 'nginx';
  const table = formatTable(rows, refs);
  process.stdout.write(`\n${table}\n`);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  const keyAuth = byName['gantry key-auth']!.rps;
  const targets = {
    key_auth_vs_reference: { ratio: keyAuth / byName['reference proxy']!.rps, target: 0.9 },
    ...(nginxUrl ? { key_auth_vs_nginx: { ratio: keyAuth / byName['nginx']!.rps, target: 0.35 } } : {}),
  };
  for (const [name, t] of Object.entries(targets)) {
    process.stdout.write(`${name}: ${t.ratio.toFixed(2)} (target ≥ ${t.target}) ${t.ratio >= t.target ? 'met' : 'NOT met'}\n`);
  }
  const file = saveResults('proxy', { when: new Date().toISOString(), rounds, durationS, connections, rows, targets });
  process.stdout.write(`saved ${file}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
