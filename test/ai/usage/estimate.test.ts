import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  EXACT_CHARS_PER_ESTIMATE,
  IMAGE_TOKENS,
  encodingForModel,
  estimateCompletionTokens,
  estimateEmbeddingTokens,
  estimateInputTokens,
  estimateMessagesTokens,
  estimatePromptTokens,
  estimateTextTokens,
  loadTokenizers,
  requestedOutputTokens,
  roughTokenCount,
} from '../../../src/ai/usage/index.js';
import type { ChatRequest } from '../../../src/ai/protocols/openai-types.js';

const require = createRequire(import.meta.url);
let reference: { o200k_base: Tiktoken; cl100k_base: Tiktoken };
/** js-tiktoken itself: the reference the counter must agree with. */
const ref = (text: string, encoding: 'o200k_base' | 'cl100k_base' = 'o200k_base'): number =>
  reference[encoding].encode(text, [], []).length;

beforeAll(() => {
  loadTokenizers();
  reference = {
    o200k_base: new Tiktoken(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE),
    cl100k_base: new Tiktoken(require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE),
  };
});

describe('token counts', () => {
  test('match the documented examples: "hello world" is 2 tokens, "tiktoken is great!" 6 (cl100k_base)', () => {
    expect(estimateTextTokens('hello world', 'gpt-4')).toBe(2);
    expect(estimateTextTokens('tiktoken is great!', 'gpt-3.5-turbo')).toBe(6);
    expect(estimateTextTokens('hello world', 'gpt-4o')).toBe(2);
    expect(estimateTextTokens('', 'gpt-4o')).toBe(0);
  });

  const corpus = [
    'The quick brown fox jumps over the lazy dog. '.repeat(40),
    'function add(a, b) {\n  return a + b; // 1234567890\n}\n\n\n\t  \r\n',
    JSON.stringify({ id: 'chatcmpl-123', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }], n: 3.14159 }),
    '人工智能网关负责在客户端与模型提供商之间转发请求并记录用量，同时执行预算与速率限制。',
    'Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen — naïve café, Ελληνικά, русский текст',
    '😀🎉👩‍👩‍👧‍👦 emoji ✓ and <|endoftext|> as plain text <|im_start|>',
    "I'm sure they've said it's what we'd do, DON'T YOU'LL",
    '    indented    spaces     and tabs\t\t\tend   ',
    'x'.repeat(200) + ' ' + '='.repeat(150),
  ];

  test.each(['o200k_base', 'cl100k_base'] as const)('equal js-tiktoken on a mixed corpus (%s)', (encoding) => {
    const model = encoding === 'o200k_base' ? 'gpt-4o' : 'gpt-4';
    for (const text of corpus) expect(estimateTextTokens(text, model), text.slice(0, 40)).toBe(ref(text, encoding));
    expect(estimateCompletionTokens(corpus[0] as string, model)).toBe(ref(corpus[0] as string, encoding));
  });

  test('picks o200k_base for the gpt-4o, gpt-4.1, gpt-5 and o-series families, cl100k_base otherwise', () => {
    for (const m of ['gpt-4o', 'openai/gpt-4o-mini', 'azure-openai/gpt-4.1', 'openai/gpt-5-mini', 'o3-mini', 'o1', 'ft:gpt-4o:acme::1', 'chatgpt-4o-latest']) {
      expect(encodingForModel(m), m).toBe('o200k_base');
    }
    for (const m of ['gpt-4', 'gpt-3.5-turbo', 'openai/text-embedding-3-small', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-pro', 'omega']) {
      expect(encodingForModel(m), m).toBe('cl100k_base');
    }
  });

  test('a run of 50,000 identical letters is counted in bounded chunks, close to the exact count (6,250)', () => {
    const n = estimateTextTokens('a'.repeat(50_000), 'gpt-4o');
    expect(n).toBeGreaterThan(6250 * 0.95);
    expect(n).toBeLessThan(6250 * 1.05);
  });

  test('a text over the exact budget is counted roughly: ASCII chars / 4, plus one per non-ASCII char', () => {
    const huge = 'lorem ipsum dolor sit amet '.repeat(10_000) + 'é'.repeat(1000);
    expect(huge.length).toBeGreaterThan(EXACT_CHARS_PER_ESTIMATE);
    expect(estimateTextTokens(huge, 'gpt-4o')).toBe(roughTokenCount(huge));
    expect(roughTokenCount(huge)).toBe(Math.ceil((huge.length - 1000) / 4) + 1000);
    const justUnder = 'lorem ipsum dolor sit amet '.repeat(3500);
    expect(estimateTextTokens(justUnder, 'gpt-4o')).toBe(ref(justUnder));
  });

  test('the exact budget is per estimate: once spent, later texts in the same request are counted roughly', () => {
    const big = 'word '.repeat(12_000); // 60,000 chars: the second one no longer fits the budget
    const req: ChatRequest = {
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: big },
        { role: 'user', content: big },
      ],
    };
    const expected = 3 + 2 * (3 + ref('user')) + ref(big) + roughTokenCount(big);
    expect(estimatePromptTokens(req)).toBe(expected);
  });
});

describe('chat requests (OpenAI counting guide)', () => {
  test('each message costs 3 tokens plus its role and content, and the reply is primed with 3', () => {
    const req: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say this is a test!' }] };
    expect(estimatePromptTokens(req)).toBe(3 + ref('user') + ref('Say this is a test!') + 3);
    expect(estimatePromptTokens(req)).toBe(13);
    const two: ChatRequest = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say this is a test!' },
      ],
    };
    expect(estimatePromptTokens(two)).toBe(13 + 3 + ref('system') + ref('You are terse.'));
  });

  test('a name adds 1 token plus the name; text parts, tool calls and tool results are counted', () => {
    const base: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    const named: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi', name: 'alice' }] };
    expect(estimatePromptTokens(named) - estimatePromptTokens(base)).toBe(1 + ref('alice'));
    const parts: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'text', text: ' there' }] }] };
    expect(estimatePromptTokens(parts)).toBe(3 + ref('user') + ref('hi') + ref(' there') + 3);
    const tools: ChatRequest = {
      model: 'gpt-4o',
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
      ],
    };
    expect(estimatePromptTokens(tools)).toBe(
      3 + (3 + ref('assistant') + 3 + ref('get_weather') + ref('{"city":"Paris"}')) + (3 + ref('tool') + ref('18°C') + ref('call_1')),
    );
  });

  test('images count a fixed documented estimate: 85 at detail low, 765 otherwise', () => {
    const withImage = (detail?: 'low' | 'high'): ChatRequest => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', ...(detail ? { detail } : {}) } }] }],
    });
    const empty = 3 + 3 + ref('user');
    expect(estimatePromptTokens(withImage('low'))).toBe(empty + IMAGE_TOKENS.openaiLow);
    expect(estimatePromptTokens(withImage('high'))).toBe(empty + 765);
    expect(estimatePromptTokens(withImage())).toBe(empty + 765);
  });

  test('tool definitions are counted by the guide’s function rules (gpt-4o constants)', () => {
    const base: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'weather?' }] };
    const withTools: ChatRequest = {
      ...base,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get the weather.',
            parameters: {
              type: 'object',
              properties: {
                city: { type: 'string', description: 'The city.' },
                unit: { type: 'string', description: 'Unit', enum: ['c', 'f'] },
              },
            },
          },
        },
      ],
    };
    const tools =
      7 + ref('get_weather:Get the weather') + 3 +
      (3 + ref('city:string:The city')) +
      (3 - 3 + (3 + ref('c')) + (3 + ref('f')) + ref('unit:string:Unit')) +
      12;
    expect(estimatePromptTokens(withTools) - estimatePromptTokens(base)).toBe(tools);
    // cl100k models use 10 per function instead of 7.
    const gpt4 = { ...withTools, model: 'gpt-4' };
    expect(estimatePromptTokens(gpt4) - estimatePromptTokens({ ...base, model: 'gpt-4' })).toBe(
      tools - 7 + 10 + (ref('get_weather:Get the weather', 'cl100k_base') - ref('get_weather:Get the weather')) +
        (ref('city:string:The city', 'cl100k_base') - ref('city:string:The city')) +
        (ref('unit:string:Unit', 'cl100k_base') - ref('unit:string:Unit')) +
        (ref('c', 'cl100k_base') - ref('c')) + (ref('f', 'cl100k_base') - ref('f')),
    );
  });

  test('the estimate uses the model given, else the request’s own', () => {
    const req: ChatRequest = { model: 'gpt-4', messages: [{ role: 'user', content: corpusText() }] };
    expect(estimatePromptTokens(req)).toBe(3 + ref('user', 'cl100k_base') + ref(corpusText(), 'cl100k_base') + 3);
    expect(estimatePromptTokens(req, 'openai/gpt-4o')).toBe(3 + ref('user') + ref(corpusText()) + 3);
  });
});

function corpusText(): string {
  return 'Ünïcödé text with numbers 1234567 and CJK 模型提供商 mixed in.';
}

describe('other endpoints', () => {
  test('Anthropic Messages: system, blocks, tool use and results, images, and tools with the tool-use system prompt', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { q: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'found' }] },
      ],
    };
    const m = 'anthropic/claude-sonnet-4-5';
    const enc = 'cl100k_base' as const;
    const noTools =
      3 + (3 + ref('Be brief.', enc)) +
      (3 + ref('user', enc) + ref('hello', enc) + IMAGE_TOKENS.anthropic) +
      (3 + ref('assistant', enc) + 3 + ref('lookup', enc) + ref('{"q":"x"}', enc)) +
      (3 + ref('user', enc) + ref('t1', enc) + ref('found', enc));
    expect(estimateMessagesTokens(body, m)).toBe(noTools);
    const tools = [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }];
    expect(estimateMessagesTokens({ ...body, tools }, m)).toBe(
      noTools + 346 + 12 + 10 + ref('lookup:Look up', enc) + 3 + 3 + ref('q:string:', enc),
    );
    expect(estimateInputTokens(body, 'messages', m)).toBe(noTools);
  });

  test('embeddings: strings are tokenized, token arrays counted as they are', () => {
    const m = 'openai/text-embedding-3-small';
    expect(estimateEmbeddingTokens('hello world', m)).toBe(2);
    expect(estimateEmbeddingTokens(['hello world', 'tiktoken is great!'], m)).toBe(8);
    expect(estimateEmbeddingTokens([1, 2, 3], m)).toBe(3);
    expect(estimateEmbeddingTokens([[1, 2], [3, 4, 5]], m)).toBe(5);
    expect(estimateInputTokens({ model: m, input: ['hello world'] }, 'embeddings', m)).toBe(2);
  });

  test('malformed bodies estimate what they can instead of throwing', () => {
    expect(estimateInputTokens(null, 'chat', 'gpt-4o')).toBe(3);
    expect(estimateInputTokens({ messages: 'nope', tools: 5 }, 'chat', 'gpt-4o')).toBe(3);
    expect(estimateInputTokens({ messages: [null, 7, { role: 1, content: {} }] }, 'messages', 'x')).toBe(3 + 3);
    expect(estimateInputTokens({ input: 42 }, 'embeddings', 'x')).toBe(0);
  });

  test('the requested output: max_completion_tokens, else max_tokens, times n; none for embeddings', () => {
    expect(requestedOutputTokens({ max_tokens: 100, n: 2 }, 'chat')).toEqual({ maxTokens: 100, choices: 2 });
    expect(requestedOutputTokens({ max_tokens: 100, max_completion_tokens: 50 }, 'chat')).toEqual({ maxTokens: 50, choices: 1 });
    expect(requestedOutputTokens({ max_tokens: 300, n: 4 }, 'messages')).toEqual({ maxTokens: 300, choices: 1 });
    expect(requestedOutputTokens({}, 'chat')).toEqual({ maxTokens: null, choices: 1 });
    expect(requestedOutputTokens({ input: 'x' }, 'embeddings')).toEqual({ maxTokens: 0, choices: 1 });
  });
});
