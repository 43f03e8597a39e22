/**
 * Streamed chunks reach the client as the provider sends them: the provider sends its first chunks
 * and then holds the stream until the test releases it, so a gateway that buffered would never show
 * the first chunk in time and the test would fail at its deadline (no timing is asserted).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiConfig, newBox, openaiClient, anthropicClient, startAi } from './helpers.js';
import type { Gateway } from '../../gateway/helpers.js';

/** An OpenAI-format provider whose stream pauses after its first content chunk until released. */
async function holdingProvider(): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const base = { id: 'chatcmpl-hold', object: 'chat.completion.chunk', created: 1, model: 'hold-model' };
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      res.write(chunk({ content: 'first' }));
      void released.then(() => {
        res.write(chunk({ content: ' second' }));
        res.write(chunk({}, 'stop'));
        res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    release,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not arrive while the provider held the stream`)), ms))]);
}

describe('AI streams are forwarded chunk by chunk', () => {
  let provider: Awaited<ReturnType<typeof holdingProvider>>;
  let gw: Gateway;

  beforeAll(async () => {
    provider = await holdingProvider();
    const cfg = new AiConfig(newBox()).provider('prov_hold', 'hold', 'openai-compatible', provider.url).key('pk_hold', 'prov_hold', 'sk-hold');
    gw = await startAi(cfg);
  });
  afterAll(async () => {
    provider.release();
    await gw.close();
    await provider.close();
  });

  it('OpenAI client, OpenAI provider (passthrough): the first chunk arrives while the provider holds the rest', async () => {
    const stream = await openaiClient(gw).chat.completions.create({
      model: 'hold/hold-model',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const it = stream[Symbol.asyncIterator]();
    let text = '';
    while (!text.includes('first')) {
      const next = await withDeadline(it.next(), 10_000, 'the first chunk');
      if (next.done) throw new Error('stream ended early');
      text += next.value.choices[0]?.delta.content ?? '';
    }
    provider.release();
    for (let n = await it.next(); !n.done; n = await it.next()) text += n.value.choices[0]?.delta.content ?? '';
    expect(text).toBe('first second');
  });

  it('Anthropic client, OpenAI provider (translated): the first text delta arrives while the provider holds the rest', async () => {
    const second = await holdingProvider();
    const cfg = new AiConfig(newBox()).provider('prov_hold2', 'hold2', 'openai-compatible', second.url).key('pk_hold2', 'prov_hold2', 'sk-hold');
    const gw2 = await startAi(cfg);
    try {
      const stream = anthropicClient(gw2).messages.stream({ model: 'hold2/hold-model', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
      const firstText = new Promise<string>((resolve) => stream.on('text', (t) => resolve(t)));
      expect(await withDeadline(firstText, 10_000, 'the first text delta')).toBe('first');
      second.release();
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: 'text', text: 'first second' });
    } finally {
      second.release();
      await gw2.close();
      await second.close();
    }
  });
});
