/**
 * The metrics building blocks and the metrics token: histogram buckets as Prometheus defines them
 * (cumulative, upper bound inclusive), the token setting, and the token on the admin API's /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { BucketLayout, Family, MsHistogram, renderFamilies } from '../../src/telemetry/metrics/families.js';
import { checkMetricsToken, spellNaN } from '../../src/telemetry/metrics/index.js';
import { startTestGantry, TEST_ADMIN_TOKEN, type TestGantry } from '../helpers/gantry.js';
import { parseExposition } from '../helpers/prometheus.js';

const TOKEN = 'scrape-' + 'k'.repeat(30);

describe('metric families', () => {
  it('renders a millisecond histogram in seconds, with cumulative buckets whose bound is inclusive', () => {
    const h = new MsHistogram(new BucketLayout([0.005, 0.1]));
    for (const ms of [1, 5, 5.0001, 100, 250]) h.observe(ms);
    const text = renderFamilies([new Family('t_seconds', 'a\\b\nc', 'histogram', (emit) => h.emit(emit, { route: 'r "1"\n\\' }))]);
    expect(text.split('\n')[0]).toBe('# HELP t_seconds a\\\\b\\nc');
    const m = parseExposition(text);
    expect(m.types.get('t_seconds')).toBe('histogram');
    expect(m.find('t_seconds_bucket').map((s) => [s.labels.le, s.value])).toEqual([
      ['0.005', 2],
      ['0.1', 4],
      ['+Inf', 5],
    ]);
    expect(m.value('t_seconds_count')).toBe(5);
    expect(m.value('t_seconds_sum')).toBeCloseTo(0.3610001, 9);
    // Label values are escaped on the way out and read back intact.
    expect(m.find('t_seconds_count')[0]!.labels.route).toBe('r "1"\n\\');
  });
});

describe('the metrics token', () => {
  it('is read from GANTRY_METRICS_TOKEN and refused when too short, without echoing it', () => {
    expect(loadSettings({}, { GANTRY_METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadSettings({}, {}).metricsToken).toBeUndefined();
    expect(() => loadSettings({}, { GANTRY_METRICS_TOKEN: 'short-secret' })).toThrow(/metrics_token/);
    expect(() => loadSettings({}, { GANTRY_METRICS_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('lets every request through when unset, and only the exact bearer token when set', () => {
    expect(checkMetricsToken(undefined)(undefined)).toBe(true);
    const check = checkMetricsToken(TOKEN);
    expect(check(`Bearer ${TOKEN}`)).toBe(true);
    expect(check(undefined)).toBe(false);
    expect(check(TOKEN)).toBe(false);
    expect(check(`Bearer ${TOKEN}x`)).toBe(false);
    expect(check(`Basic ${TOKEN}`)).toBe(false);
  });

  describe('on the admin API of a node', () => {
    let g: TestGantry;
    beforeAll(async () => {
      g = await startTestGantry({ metricsToken: TOKEN });
    });
    afterAll(async () => {
      await g?.stop();
    });

    it('guards /metrics only: admin tokens do not open it, it opens nothing else, /healthz stays open', async () => {
      const denied = await fetch(g.metricsUrl!);
      expect(denied.status).toBe(401);
      const body = (await denied.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('GANTRY_ERR_METRICS_UNAUTHENTICATED');
      expect(body.error.message).not.toContain(TOKEN);
      expect((await fetch(g.metricsUrl!, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(401);

      const ok = await fetch(g.metricsUrl!, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(parseExposition(await ok.text()).find('gantry_build_info')).toHaveLength(1);

      expect((await fetch(`${g.adminUrl}/api/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
      expect((await fetch(`${g.adminUrl}/healthz`)).status).toBe(200);
    });
  });
});

describe('process metrics from prom-client', () => {
  it('a NaN sample is spelled NaN, as the text format requires', () => {
    expect(spellNaN('nodejs_eventloop_lag_mean_seconds Nan\nx{a="Nan"} 1\n')).toBe('nodejs_eventloop_lag_mean_seconds NaN\nx{a="Nan"} 1\n');
  });
});
