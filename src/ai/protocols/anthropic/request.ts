/**
 * OpenAI chat request → Anthropic Messages request (an OpenAI client calling an Anthropic provider).
 * Pure and synchronous; throws GANTRY_ERR_VALIDATION (400) for input Anthropic cannot express, with
 * the JSON pointer of the offending field. The decisions are listed in ./index.ts.
 */
import { validationError } from '../../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolDefinition } from '../openai-types.js';
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
} from './types.js';

/** Tool-call arguments that are not a JSON object are sent as `{ [RAW_ARGUMENTS_KEY]: "<raw text>" }`. */
export const RAW_ARGUMENTS_KEY = '_gantry_raw_arguments';
/** Name of the tool that carries a `response_format: json_object` answer. */
export const JSON_OBJECT_TOOL = 'json_response';
/** Thinking budgets used for OpenAI `reasoning_effort` (Anthropic's minimum budget is 1024). */
export const THINKING_BUDGETS = { low: 1024, medium: 4096, high: 16384 } as const;

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The tool `openaiToAnthropicRequest` adds to carry a structured answer, if the request asks for one
 * (`response_format` json_schema or json_object). Pass it as `jsonTool` to the response translators:
 * they turn that tool call back into message content.
 */
export function jsonResponseToolName(req: Pick<ChatRequest, 'response_format'>): string | undefined {
  const rf = req.response_format;
  if (rf?.type === 'json_schema') return rf.json_schema?.name || 'json_schema_response';
  if (rf?.type === 'json_object') return JSON_OBJECT_TOOL;
  return undefined;
}

/** `data:<media type>;base64,<data>` → its parts; undefined for anything else. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const meta = url.slice(5, comma);
  if (!meta.endsWith(';base64')) return undefined;
  return { mediaType: meta.slice(0, -7).toLowerCase(), data: url.slice(comma + 1) };
}

/** Tool-call arguments as an Anthropic `input` object (see RAW_ARGUMENTS_KEY). */
export function argumentsToInput(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // not JSON: kept raw below
  }
  return { [RAW_ARGUMENTS_KEY]: args };
}

function partToBlock(part: ContentPart, path: string): AnthropicContentBlock | undefined {
  if (part.type === 'text') {
    const text = (part as { text?: unknown }).text;
    if (typeof text !== 'string') throw validationError('A text part needs a text', [{ path, message: 'text must be a string' }]);
    return text === '' ? undefined : { type: 'text', text };
  }
  if (part.type === 'refusal') {
    const refusal = (part as { refusal?: unknown }).refusal;
    return typeof refusal === 'string' && refusal !== '' ? { type: 'text', text: refusal } : undefined;
  }
  if (part.type === 'image_url') {
    const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
    if (typeof url !== 'string') throw validationError('An image part needs a URL', [{ path, message: 'image_url.url must be a string' }]);
    const inline = parseDataUrl(url);
    if (inline) {
      if (!IMAGE_TYPES.has(inline.mediaType)) {
        throw validationError(`Anthropic accepts JPEG, PNG, GIF and WebP images, not ${inline.mediaType}`, [
          { path, message: 'unsupported image media type' },
        ]);
      }
      return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
    }
    if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
    throw validationError('An image URL must be a base64 data: URL or an http(s) URL', [{ path, message: 'unsupported image URL' }]);
  }
  if (part.type === 'file') {
    const file = (part as { file?: { file_data?: unknown } }).file;
    const inline = typeof file?.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
    if (inline?.mediaType === 'application/pdf') {
      return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: inline.data } };
    }
    throw validationError('Only inline PDF files (file.file_data as a data: URL) can be sent to Anthropic', [
      { path, message: 'unsupported file part' },
    ]);
  }
  throw validationError(`Content parts of type '${part.type}' cannot be sent to Anthropic`, [{ path, message: 'unsupported content part' }]);
}

function contentBlocks(content: ChatMessage['content'], path: string): AnthropicContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw validationError('Message content must be a string or an array of parts', [{ path, message: 'bad content' }]);
  const out: AnthropicContentBlock[] = [];
  for (let i = 0; i < content.length; i++) {
    const block = partToBlock(content[i], `${path}/${i}`);
    if (block) out.push(block);
  }
  return out;
}

function systemBlocks(m: ChatMessage, path: string): AnthropicTextBlock[] {
  const blocks = contentBlocks(m.content, `${path}/content`);
  for (const b of blocks) {
    if (b.type !== 'text') throw validationError('System messages can only hold text', [{ path, message: 'non-text system content' }]);
  }
  return blocks as AnthropicTextBlock[];
}

function toolResultBlock(m: ChatMessage, path: string): AnthropicToolResultBlock {
  if (typeof m.tool_call_id !== 'string' || m.tool_call_id === '') {
    throw validationError('A tool message needs tool_call_id', [{ path: `${path}/tool_call_id`, message: 'required' }]);
  }
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: m.tool_call_id };
  if (typeof m.content === 'string') {
    if (m.content !== '') block.content = m.content;
  } else {
    const parts = contentBlocks(m.content, `${path}/content`);
    const allowed = parts.filter((b): b is AnthropicTextBlock | Extract<AnthropicContentBlock, { type: 'image' }> => b.type === 'text' || b.type === 'image');
    if (allowed.length !== parts.length) throw validationError('Tool results can hold text and images only', [{ path, message: 'bad tool content' }]);
    if (allowed.length > 0) block.content = allowed;
  }
  return block;
}

function assistantBlocks(m: ChatMessage, path: string): AnthropicContentBlock[] {
  // reasoning_content is not sent back: Anthropic only accepts thinking blocks with their signature.
  const blocks = contentBlocks(m.content, `${path}/content`);
  if (typeof m.refusal === 'string' && m.refusal !== '' && blocks.length === 0) blocks.push({ type: 'text', text: m.refusal });
  const calls = m.tool_calls ?? [];
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (typeof c?.id !== 'string' || typeof c.function?.name !== 'string') {
      throw validationError('A tool call needs an id and a function name', [{ path: `${path}/tool_calls/${i}`, message: 'bad tool call' }]);
    }
    const args = typeof c.function.arguments === 'string' ? c.function.arguments : '';
    blocks.push({ type: 'tool_use', id: c.id, name: c.function.name, input: argumentsToInput(args) });
  }
  return blocks;
}

/** Appends to the last message when it has the same role (Anthropic wants alternating turns). */
function pushTurn(out: AnthropicMessage[], role: 'user' | 'assistant', blocks: AnthropicContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = out[out.length - 1];
  if (last && last.role === role) (last.content as AnthropicContentBlock[]).push(...blocks);
  else out.push({ role, content: blocks });
}

/** tool_result blocks first in a user turn (Anthropic requires it); a lone text block as a string. */
function finishTurn(m: AnthropicMessage): AnthropicMessage {
  const blocks = m.content as AnthropicContentBlock[];
  if (m.role === 'user' && blocks.some((b) => b.type === 'tool_result')) {
    m.content = [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
  } else if (blocks.length === 1 && blocks[0].type === 'text' && blocks[0].cache_control === undefined) {
    m.content = blocks[0].text;
  }
  return m;
}

function toolDefinition(t: ToolDefinition, path: string): AnthropicTool {
  if (t?.type !== 'function' || typeof t.function?.name !== 'string') {
    throw validationError('Only function tools can be sent to Anthropic', [{ path, message: 'unsupported tool' }]);
  }
  const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } };
  if (t.function.description !== undefined) tool.description = t.function.description;
  return tool;
}

function toolChoice(req: ChatRequest): AnthropicToolChoice | undefined {
  const c = req.tool_choice;
  const noParallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (c === 'none') return { type: 'none' };
  if (c === 'required') return { type: 'any', ...noParallel };
  if (typeof c === 'object' && c !== null) {
    if (typeof c.function?.name !== 'string') throw validationError('A named tool_choice needs function.name', [{ path: '/tool_choice', message: 'bad tool_choice' }]);
    return { type: 'tool', name: c.function.name, ...noParallel };
  }
  if (c === 'auto' || req.parallel_tool_calls === false) return { type: 'auto', ...noParallel };
  return undefined;
}

/** Adds the structured-answer tool (see jsonResponseToolName) and forces its use. */
function applyResponseFormat(req: ChatRequest, out: AnthropicRequest): void {
  const name = jsonResponseToolName(req);
  const rf = req.response_format;
  if (name === undefined || rf === undefined) return;
  const schema = rf.type === 'json_schema' ? rf.json_schema?.schema : undefined;
  const tool: AnthropicTool = {
    name,
    description:
      rf.type === 'json_schema'
        ? (rf.json_schema.description ?? 'Give your final answer by calling this tool; its input is the answer.')
        : 'Give your final answer as a JSON object by calling this tool; its input is the answer.',
    input_schema: schema ?? { type: 'object', additionalProperties: true },
  };
  const userTools = out.tool_choice?.type === 'none' ? [] : (out.tools ?? []);
  if (userTools.some((t) => t.name === name)) {
    throw validationError(`A tool is named '${name}', the name of the response_format schema`, [{ path: '/response_format', message: 'name clash' }]);
  }
  out.tools = [...userTools, tool];
  if (userTools.length === 0) out.tool_choice = { type: 'tool', name, disable_parallel_tool_use: true };
  else if (out.tool_choice?.type !== 'tool') out.tool_choice = { type: 'any', ...(req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {}) };
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function openaiToAnthropicRequest(req: ChatRequest, opts: { model: string; defaultMaxTokens: number }): AnthropicRequest {
  if (!Array.isArray(req.messages)) throw validationError('messages must be an array', [{ path: '/messages', message: 'required' }]);
  if (finite(req.n) && req.n > 1) throw validationError('Anthropic returns one choice; n must be 1', [{ path: '/n', message: 'unsupported' }]);

  const system: AnthropicTextBlock[] = [];
  let systemIsOneString = true;
  const messages: AnthropicMessage[] = [];
  req.messages.forEach((m, i) => {
    const path = `/messages/${i}`;
    switch (m?.role) {
      case 'system':
      case 'developer':
        if (typeof m.content !== 'string') systemIsOneString = false;
        system.push(...systemBlocks(m, path));
        break;
      case 'user':
        pushTurn(messages, 'user', contentBlocks(m.content, `${path}/content`));
        break;
      case 'assistant':
        pushTurn(messages, 'assistant', assistantBlocks(m, path));
        break;
      case 'tool':
        pushTurn(messages, 'user', [toolResultBlock(m, path)]);
        break;
      default:
        throw validationError(`Unknown message role '${String(m?.role)}'`, [{ path: `${path}/role`, message: 'unknown role' }]);
    }
  });

  const maxTokens = finite(req.max_completion_tokens) ? req.max_completion_tokens : finite(req.max_tokens) ? req.max_tokens : opts.defaultMaxTokens;
  const out: AnthropicRequest = { model: opts.model, messages: messages.map(finishTurn), max_tokens: maxTokens };
  if (system.length > 0) out.system = systemIsOneString && system.length === 1 ? system[0].text : system;
  if (typeof req.stop === 'string') out.stop_sequences = [req.stop];
  else if (Array.isArray(req.stop) && req.stop.length > 0) out.stop_sequences = req.stop;
  // OpenAI's range is 0–2, Anthropic's 0–1; both default to 1, so values above 1 are clamped, not scaled.
  if (finite(req.temperature)) out.temperature = Math.min(1, Math.max(0, req.temperature));
  if (finite(req.top_p)) out.top_p = req.top_p;
  if (Array.isArray(req.tools) && req.tools.length > 0) out.tools = req.tools.map((t, i) => toolDefinition(t, `/tools/${i}`));
  const choice = out.tools ? toolChoice(req) : undefined;
  if (choice) out.tool_choice = choice;
  applyResponseFormat(req, out);
  if (typeof req.user === 'string' && req.user !== '') out.metadata = { user_id: req.user };
  if (req.stream === true) out.stream = true;

  const budget = req.reasoning_effort && req.reasoning_effort !== 'minimal' ? THINKING_BUDGETS[req.reasoning_effort] : undefined;
  const forcedTool = out.tool_choice?.type === 'any' || out.tool_choice?.type === 'tool';
  if (budget !== undefined && !forcedTool) {
    const fitted = Math.min(budget, maxTokens - 1);
    if (fitted >= THINKING_BUDGETS.low) {
      out.thinking = { type: 'enabled', budget_tokens: fitted };
      // Anthropic rejects sampling changes with thinking on.
      delete out.temperature;
      delete out.top_p;
    }
  }
  return out;
}
