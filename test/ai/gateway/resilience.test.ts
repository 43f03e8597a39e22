/**
 * Retries, key rotation, fallbacks and broken streams: what the attempt state machine promises.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GeminiToOpenaiStream } from '../../../src/ai/protocols/gemini/index.js';
import { cutAfterFlush, serveProvider, type ProviderFixture } from '../../fixtures/providers/common.js';
import type { Gateway } from '../../gateway/helpers.js';
import {
  anthropicClient,
  callEvent,
  captureCalls,
  captureKeyStatus,
  collectOpenai,
  MODELS,
  openaiClient,
  standardConfig,
  startAi,
  startFixtures,
  type AiConfig,
  type Fixtures,
} from './helpers.js';

let fx: Fixtures;
let stub: ProviderFixture;
let gw: Gateway;
let config: AiConfig;
const calls = captureCalls();

beforeAll(async () => {
  fx = await startFixtures();
  // An OpenAI-compatible provider whose streams break before the first event.
  stub = await serveProvider((ctx) => {
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    cutAfterFlush(ctx.res);
  }, () => ({ error: { message: 'stub' } }));
  config = standardConfig(fx)
    .provider('prov_stub', 'stub', 'openai-compatible', `${stub.url}/v1`)
    .key('pk_stub', 'prov_stub', 'sk-stub');
  gw = await startAi(config);
});
afterAll(async () => {
  calls.stop();
  await gw?.close();
  await stub?.close();
  await fx?.close();
});
beforeEach(() => {
  gw.plane.applyConfig(config.build());
});

const ask = (model: string, text = 'hi') => ({ model, messages: [{ role: 'user' as const, content: text }] });

describe('retries and keys', () => {
  it('retries a 429 after its Retry-After and serves: two attempts', async () => {
    fx.openai.failNext(1, 429, { retryAfterS: 1 });
    const { data, response } = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).withResponse();
    expect(data.choices[0].message.content).toContain('You said: hi');
    expect(response.headers.get('x-gantry-attempts')).toBe('2');
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev.attempts.map((a) => [a.status, a.outcome])).toEqual([[429, 'rate_limited'], [200, null]]);
    expect(ev.attempts[1].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('puts a rate-limited key in cooldown and moves to the other key', async () => {
    const data = config.build();
    data.aiProviderKeys.push({ ...data.aiProviderKeys.find((k) => k.id === 'pk_oa')!, id: 'pk_oa2', sealed_secret: config.box.seal('sk-fixture', 'pk_oa2') });
    gw.plane.applyConfig(data);
    fx.openai.failNext(1, 429);
    const first = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).withResponse();
    const ev = await callEvent(calls.events, first.response.headers.get('x-request-id'));
    const [limited, served] = ev.attempts.map((a) => a.keyId);
    expect(served).not.toBe(limited);
    expect(ev.providerKeyId).toBe(served);
    for (let i = 0; i < 3; i++) {
      const next = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).withResponse();
      const e = await callEvent(calls.events, next.response.headers.get('x-request-id'));
      expect(e.providerKeyId).toBe(served); // the other key is cooling
    }
  });

  it('marks a key the provider refuses, publishes it, and serves with the next key', async () => {
    const status = captureKeyStatus();
    try {
      gw.plane.applyConfig(config.build());
      const c = config.build();
      c.aiProviderKeys = c.aiProviderKeys.filter((k) => k.id !== 'pk_oa');
      c.aiProviderKeys.push({ ...config.data.aiProviderKeys[0], id: 'pk_bad', priority: 0, sealed_secret: config.box.seal('sk-wrong', 'pk_bad') });
      c.aiProviderKeys.push({ ...config.data.aiProviderKeys[0], id: 'pk_good', priority: 5, sealed_secret: config.box.seal('sk-fixture', 'pk_good') });
      gw.plane.applyConfig(c);
      const first = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).withResponse();
      expect(first.response.headers.get('x-gantry-attempts')).toBe('2');
      expect(status.events).toEqual([expect.objectContaining({ keyId: 'pk_bad', providerId: 'prov_oa', status: 'auth_failed' })]);
      const ev = await callEvent(calls.events, first.response.headers.get('x-request-id'));
      expect(ev.attempts.map((a) => [a.keyId, a.outcome])).toEqual([['pk_bad', 'auth_failed'], ['pk_good', null]]);
      const again = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).withResponse();
      expect(again.response.headers.get('x-gantry-attempts')).toBe('1');
      expect(status.events).toHaveLength(1);
    } finally {
      status.stop();
    }
  });
});

describe('aliases', () => {
  it('falls back to the next target when the first keeps failing', async () => {
    gw.plane.applyConfig(config.alias('smart', [{ provider_id: 'prov_oa', model: 'gpt-4o-mini' }, { provider_id: 'prov_an', model: 'claude-haiku-4-5-20251001' }]).build());
    fx.openai.failNext(2, 500);
    const { data, response } = await openaiClient(gw).chat.completions.create(ask('smart')).withResponse();
    expect(response.headers.get('x-gantry-provider')).toBe('an');
    expect(response.headers.get('x-gantry-attempts')).toBe('3');
    expect(data.model).toBe('claude-haiku-4-5-20251001');
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev.modelRequested).toBe('smart');
    expect(ev.attempts.map((a) => a.providerName)).toEqual(['oa', 'oa', 'an']);
    expect(ev.modelServed).toBe('anthropic/claude-haiku-4-5-20251001');
  });

  it('spreads a weighted alias by weight', async () => {
    gw.plane.applyConfig(config.alias('spread', [{ provider_id: 'prov_oa', model: 'gpt-4o-mini', weight: 3 }, { provider_id: 'prov_gm', model: 'gemini-2.5-flash', weight: 1 }], 'weighted').build());
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 10; batch++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => openaiClient(gw).chat.completions.create(ask('spread')).withResponse()));
      for (const r of replies) counts[r.response.headers.get('x-gantry-provider')!] = (counts[r.response.headers.get('x-gantry-provider')!] ?? 0) + 1;
    }
    expect(counts.oa + counts.gm).toBe(200);
    expect(counts.oa).toBeGreaterThan(120); // expected 150
    expect(counts.oa).toBeLessThan(180);
  });
});

describe('broken streams', () => {
  it('a stream cut after content reaches the OpenAI SDK as an error, never a clean end', async () => {
    const stream = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.openai, '[scenario:cut] x'), stream: true });
    let text = '';
    const err = await (async () => {
      try {
        for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(text.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toMatch(/ended before the answer was complete/);
  });

  it('a stream cut before any byte falls back to the next target', async () => {
    gw.plane.applyConfig(config.alias('flaky', [{ provider_id: 'prov_stub', model: 'm' }, { provider_id: 'prov_oa', model: 'gpt-4o-mini' }]).build());
    const { data: stream, response } = await openaiClient(gw).chat.completions.create({ ...ask('flaky', '[scenario:text] hi'), stream: true }).withResponse();
    const { text } = await collectOpenai(stream);
    expect(text).toBe('Hello from the fixture. You said: hi');
    expect(response.headers.get('x-gantry-provider')).toBe('oa');
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev.attempts.map((a) => a.outcome)).toEqual(['stream_interrupted', 'stream_interrupted', null]);
  });

  it('an Anthropic midstream error becomes an error event for Anthropic and OpenAI clients', async () => {
    const a = anthropicClient(gw).messages.stream({ ...ask(MODELS.anthropic, '[scenario:midstream-error] x'), max_tokens: 100 });
    let text = '';
    a.on('text', (t) => void (text += t));
    const err = await a.finalMessage().then(() => null, (e: unknown) => e);
    expect(text.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toContain('Overloaded');
    const o = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.anthropic, '[scenario:midstream-error] x'), stream: true });
    await expect(collectOpenai(o)).rejects.toThrow(/Overloaded/);
  });

  it('a Gemini midstream error and a Bedrock cut stream end with errors', async () => {
    const g = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.gemini, '[scenario:midstream-error] x'), stream: true });
    await expect(collectOpenai(g)).rejects.toThrow(OpenAI.APIError);
    const b = anthropicClient(gw).messages.stream({ ...ask(MODELS.bedrock, '[scenario:cut] x'), max_tokens: 100 });
    await expect(b.finalMessage()).rejects.toThrow(/cut|complete/);
  });
});

describe('a throwing translator', () => {
  it('ends that response with an error and the process serves on', async () => {
    const original = GeminiToOpenaiStream.prototype.push;
    let n = 0;
    const spy = vi.spyOn(GeminiToOpenaiStream.prototype, 'push').mockImplementation(function (this: GeminiToOpenaiStream, ev) {
      if (++n === 3) throw new Error('translator bug');
      return original.call(this, ev);
    });
    try {
      const before = gw.logger.errors.length;
      const mid = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.gemini, '[scenario:long] x'), stream: true });
      await expect(collectOpenai(mid)).rejects.toThrow(OpenAI.APIError);
      expect(gw.logger.errors.length).toBeGreaterThan(before);
      n = 0;
      spy.mockImplementation(() => {
        throw new Error('translator bug');
      });
      const err = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.gemini), stream: true }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect((err as { code?: string }).code).toBe('GANTRY_ERR_INTERNAL');
    } finally {
      spy.mockRestore();
    }
    const ok = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.gemini), stream: true });
    expect((await collectOpenai(ok)).text).toBe('Hello from the Gemini fixture.');
  });
});
