/**
 * AI gateway benchmark (issue 3): chat completions to a local fixture provider — the fixture directly,
 * the byte-forwarding reference proxy, Gantry OpenAI→OpenAI, Gantry OpenAI→Anthropic (translated) —
 * each non-stream and stream. Throughput under load (autocannon), then added latency and time to
 * first byte over one connection. All on 127.0.0.1, every run bounded in time.
 *
 *   npm run bench:ai     (BENCH_ROUNDS=3 BENCH_DURATION=8 BENCH_CONNECTIONS=50 BENCH_PROBES=300)
 */
import {
  envInt,
  forkServer,
  formatTable,
  median,
  probeLatency,
  runRounds,
  saveResults,
  startGantryNode,
  type Scenario,
} from './lib.js';

async function startGantry(fixtureUrl: string): Promise<{ url: string; apiKey: string }> {
  const { url, admin } = await startGantryNode();
  const oa = await admin('POST', '/ai/providers', { name: 'bench-openai', kind: 'openai-compatible', base_url: `${fixtureUrl}/v1` });
  await admin('POST', `/ai/providers/${oa.id}/keys`, { secret: 'sk-bench-openai' });
  const an = await admin('POST', '/ai/providers', { name: 'bench-anthropic', kind: 'anthropic', base_url: fixtureUrl });
  await admin('POST', `/ai/providers/${an.id}/keys`, { secret: 'sk-ant-bench' });
  const svc = await admin('POST', '/services', { name: 'ai', kind: 'ai' });
  await admin('POST', '/routes', { name: 'ai', service_id: svc.id, paths: ['/v1/*'] });
  await admin('POST', '/policies', { type: 'key-auth', scope: 'service', target_id: svc.id });
  const app = await admin('POST', '/apps', { name: 'bench' });
  const key = await admin('POST', `/apps/${app.id}/keys`, { name: 'bench' });
  return { url, apiKey: key.key };
}

function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    stream,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say something about foxes.' },
    ],
    max_tokens: 64,
  });
}

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 3);
  const durationS = envInt('BENCH_DURATION', 8);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const probes = envInt('BENCH_PROBES', 300);

  const fixture = await forkServer('llm-fixture.mjs', ['0']);
  const fixtureUrl = `http://127.0.0.1:${fixture.port}`;
  const reference = await forkServer('reference-proxy.mjs', ['0', fixtureUrl]);
  const referenceUrl = `http://127.0.0.1:${reference.port}`;
  const gantry = await startGantry(fixtureUrl);
  const json = { 'content-type': 'application/json' };
  const auth = { ...json, authorization: `Bearer ${gantry.apiKey}` };

  const targets = [
    { name: 'fixture direct', url: `${fixtureUrl}/v1/chat/completions`, headers: json, model: 'gpt-4o-mini' },
    { name: 'reference proxy', url: `${referenceUrl}/v1/chat/completions`, headers: json, model: 'gpt-4o-mini' },
    { name: 'gantry openai→openai', url: `${gantry.url}/v1/chat/completions`, headers: auth, model: 'bench-openai/gpt-4o-mini' },
    { name: 'gantry openai→anthropic', url: `${gantry.url}/v1/chat/completions`, headers: auth, model: 'bench-anthropic/claude-sonnet-4-5' },
  ];
  // Check every path answers before measuring.
  for (const t of targets) {
    for (const stream of [false, true]) {
      const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: chatBody(t.model, stream) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${t.name} (stream=${stream}) answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }

  const scenarios: Scenario[] = [];
  for (const stream of [false, true]) {
    for (const t of targets) {
      scenarios.push({
        name: `${t.name}${stream ? ' (stream)' : ''}`,
        load: { url: t.url, connections, durationS, method: 'POST', headers: t.headers, body: chatBody(t.model, stream) },
      });
    }
  }
  process.stderr.write(`ai bench: ${rounds} rounds × ${durationS}s, ${connections} connections; ${probes} probes at 1 connection\n`);
  const rows = await runRounds(scenarios, rounds, 2);

  // One connection, sequential: added latency and time to first byte.
  const probeRows: Array<{ name: string; p50: number; p99: number; ttfbP50: number }> = [];
  for (const stream of [false, true]) {
    for (const t of targets) {
      const runs = [];
      for (let r = 0; r < rounds; r++) {
        runs.push(await probeLatency({ url: t.url, n: probes, method: 'POST', headers: t.headers, body: chatBody(t.model, stream), maxMs: 30_000 }));
      }
      probeRows.push({
        name: `${t.name}${stream ? ' (stream)' : ''}`,
        p50: median(runs.map((x) => x.p50)),
        p99: median(runs.map((x) => x.p99)),
        ttfbP50: median(runs.map((x) => x.ttfbP50)),
      });
    }
  }

  const out: string[] = [];
  out.push('Throughput (median of rounds):');
  out.push(formatTable(rows, { reference: 'reference proxy', 'reference (stream)': 'reference proxy (stream)' }));
  out.push('');
  out.push('One connection, sequential (median of rounds):');
  const direct = (stream: boolean) => probeRows.find((p) => p.name === `fixture direct${stream ? ' (stream)' : ''}`)!;
  for (const p of probeRows) {
    const d = direct(p.name.endsWith('(stream)'));
    out.push(
      `${p.name.padEnd(36)} p50 ${p.p50.toFixed(3)} ms  p99 ${p.p99.toFixed(3)} ms  ttfb ${p.ttfbP50.toFixed(3)} ms  ` +
        `added p50 ${(p.p50 - d.p50).toFixed(3)} ms  added ttfb ${(p.ttfbP50 - d.ttfbP50).toFixed(3)} ms`,
    );
  }
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  const probeBy = Object.fromEntries(probeRows.map((p) => [p.name, p]));
  const checks = {
    openai_openai_vs_reference: { value: by['gantry openai→openai']!.rps / by['reference proxy']!.rps, target: '≥ 0.6' },
    openai_openai_stream_vs_reference: { value: by['gantry openai→openai (stream)']!.rps / by['reference proxy (stream)']!.rps, target: '≥ 0.6' },
    added_latency_p50_ms: { value: probeBy['gantry openai→openai']!.p50 - direct(false).p50, target: '≤ 1' },
    added_ttfb_p50_ms_stream: { value: probeBy['gantry openai→openai (stream)']!.ttfbP50 - direct(true).ttfbP50, target: '≤ 1' },
  };
  out.push('');
  for (const [k, v] of Object.entries(checks)) out.push(`${k}: ${v.value.toFixed(3)} (target ${v.target})`);
  process.stdout.write(`\n${out.join('\n')}\n`);
  const file = saveResults('ai', { when: new Date().toISOString(), rounds, durationS, connections, probes, rows, probeRows, checks });
  process.stdout.write(`saved ${file}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
