// Benchmark LLM provider: answers OpenAI chat completions and Anthropic messages, streamed or not,
// at once (no artificial delay), so what is measured is the gateway. Run: node llm-fixture.mjs PORT
import http from 'node:http';

const WORDS = 'The quick brown fox jumps over the lazy dog and keeps running far away'.split(' ');
const CHUNKS = 16;

function openaiBody(model) {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: WORDS.join(' ') }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length },
  });
}

function openaiStream(res, model, includeUsage) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model };
  const u = includeUsage ? { usage: null } : {};
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...u })}\n\n`);
  for (let i = 0; i < CHUNKS; i++) {
    const w = WORDS[i % WORDS.length];
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: `${w} ` }, finish_reason: null }], ...u })}\n\n`);
  }
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...u })}\n\n`);
  if (includeUsage) {
    res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS } })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

function anthropicBody(model) {
  return JSON.stringify({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: WORDS.join(' ') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: WORDS.length, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  });
}

function anthropicStream(res, model) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const ev = (name, data) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  ev('message_start', { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } });
  ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  for (let i = 0; i < CHUNKS; i++) {
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${WORDS[i % WORDS.length]} ` } });
  }
  ev('content_block_stop', { type: 'content_block_stop', index: 0 });
  ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: CHUNKS } });
  ev('message_stop', { type: 'message_stop' });
  res.end();
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString() || '{}');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const model = body.model ?? 'bench';
    if (req.url.endsWith('/chat/completions')) {
      if (body.stream) return openaiStream(res, model, body.stream_options?.include_usage === true);
      const b = openaiBody(model);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
      return res.end(b);
    }
    if (req.url.endsWith('/messages')) {
      if (body.stream) return anthropicStream(res, model);
      const b = anthropicBody(model);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
      return res.end(b);
    }
    res.writeHead(404).end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
