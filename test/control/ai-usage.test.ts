import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiUsageDelta } from '../../src/store/types.js';
import { startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let teamA: string;
let teamB: string;
let adminA: string;

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

const ZERO = {
  requests: 0,
  errors: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cached_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  estimated_requests: 0,
  cost_usd: 0,
  saved_usd: 0,
};

function usage(over: Partial<AiUsageDelta> & Pick<AiUsageDelta, 'day' | 'team_id'>): AiUsageDelta {
  return {
    ...ZERO,
    app_id: 'app_1',
    key_id: 'key_1',
    service_id: 'svc_1',
    provider_id: 'aip_openai',
    model: 'openai/gpt-4o',
    ...over,
  };
}

beforeAll(async () => {
  api = await startAdminApi();
  teamA = await api.createTeam('team-a');
  teamB = await api.createTeam('team-b');
  adminA = (await api.createToken('team_admin', teamA)).token;
  await api.store.aiUsage.record([
    usage({ day: day(0), team_id: teamA, requests: 2, prompt_tokens: 100, completion_tokens: 50, cost_usd: 0.1 }),
    usage({ day: day(0), team_id: teamA, app_id: 'app_2', requests: 1, prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.2 }),
    usage({
      day: day(-1),
      team_id: teamA,
      model: 'anthropic/claude-sonnet-4-5',
      provider_id: 'aip_anthropic',
      requests: 3,
      errors: 1,
      cached_read_tokens: 40,
      cost_usd: 0.000001,
      saved_usd: 0.05,
    }),
    usage({ day: day(-1), team_id: teamB, requests: 7, cost_usd: 1.5 }),
    usage({ day: day(-40), team_id: teamA, requests: 100, cost_usd: 9 }),
  ]);
});
afterAll(async () => {
  await api.close();
});

function expectValidation(res: ApiResponse, path: string, message?: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  const detail = res.body.error.details?.find((d: { path?: string }) => d.path === path);
  expect(detail, `no detail for ${path} in ${res.text}`).toBeDefined();
  if (message) expect(detail.message).toMatch(message);
}

describe('AI usage', () => {
  it('groups by day over the last 30 days by default, with totals in USD', async () => {
    const res = await api.get('/api/v1/ai/usage');
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual([
      { day: day(-1), ...ZERO, requests: 10, errors: 1, cached_read_tokens: 40, cost_usd: 1.500001, saved_usd: 0.05 },
      { day: day(0), ...ZERO, requests: 3, prompt_tokens: 110, completion_tokens: 55, cost_usd: 0.3 },
    ]);
    expect(res.body.totals).toEqual({
      ...ZERO,
      requests: 13,
      errors: 1,
      prompt_tokens: 110,
      completion_tokens: 55,
      cached_read_tokens: 40,
      cost_usd: 1.800001,
      saved_usd: 0.05,
    });
  });

  it('groups by several dimensions and filters', async () => {
    const res = await api.get(`/api/v1/ai/usage?group_by=team,model&team_id=${teamA}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.map((r: Record<string, unknown>) => [r.team_id, r.model, r.requests, r.day])).toEqual([
      [teamA, 'anthropic/claude-sonnet-4-5', 3, undefined],
      [teamA, 'openai/gpt-4o', 3, undefined],
    ]);
    const byApp = await api.get(`/api/v1/ai/usage?group_by=app&model=openai/gpt-4o&team_id=${teamA}`);
    expect(byApp.body.data.map((r: { app_id: string; cost_usd: number }) => [r.app_id, r.cost_usd])).toEqual([
      ['app_1', 0.1],
      ['app_2', 0.2],
    ]);
    const byProvider = await api.get('/api/v1/ai/usage?group_by=provider&provider_id=aip_anthropic');
    expect(byProvider.body.data).toEqual([expect.objectContaining({ provider_id: 'aip_anthropic', requests: 3 })]);
    const byKeyAndService = await api.get(`/api/v1/ai/usage?group_by=key,service&app_id=app_2`);
    expect(byKeyAndService.body.data).toEqual([expect.objectContaining({ key_id: 'key_1', service_id: 'svc_1', requests: 1 })]);
  });

  it('takes an explicit range, inclusive on both ends', async () => {
    const old = await api.get(`/api/v1/ai/usage?from=${day(-40)}&to=${day(-40)}`);
    expect(old.body.data).toEqual([expect.objectContaining({ day: day(-40), requests: 100, cost_usd: 9 })]);
    const all = await api.get(`/api/v1/ai/usage?from=${day(-60)}`);
    expect(all.body.totals.requests).toBe(113);
  });

  it("limits a team token to its team's usage", async () => {
    const res = await api.get('/api/v1/ai/usage?group_by=team', adminA);
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { team_id: string }) => r.team_id)).toEqual([teamA]);
    expect(res.body.totals.requests).toBe(6);
    const other = await api.get(`/api/v1/ai/usage?team_id=${teamB}`, adminA);
    expect(other.body).toEqual({ data: [], totals: ZERO });
  });

  it('validates dates, ranges and dimensions', async () => {
    expectValidation(await api.get('/api/v1/ai/usage?from=2024-1-1'), '/from', /must match pattern/);
    expectValidation(await api.get('/api/v1/ai/usage?from=2024-02-30&to=2024-03-01'), '/from', /calendar day/);
    expectValidation(await api.get('/api/v1/ai/usage?from=2024-03-02&to=2024-03-01'), '/from', /on or before to/);
    const tooLong = await api.get('/api/v1/ai/usage?from=2023-01-01&to=2024-03-01');
    expectValidation(tooLong, '/from', /400/);
    expect(tooLong.body.error.message).toMatch(/426 days/);
    expect((await api.get('/api/v1/ai/usage?from=2024-01-01&to=2025-02-03')).status).toBe(200); // 400 days
    expect((await api.get('/api/v1/ai/usage?from=2024-01-01&to=2025-02-04')).status).toBe(400); // 401 days
    expectValidation(await api.get('/api/v1/ai/usage?group_by=day,colour'), '/group_by', /day, team, app/);
    expectValidation(await api.get('/api/v1/ai/usage?group_by='), '/group_by');
    expectValidation(await api.get('/api/v1/ai/usage?colour=blue'), '/colour', /not a known field/);
  });
});
