/**
 * Anthropic Messages request → OpenAI chat request (an Anthropic client calling any provider through
 * the hub). Pure and synchronous; throws GANTRY_ERR_VALIDATION for blocks OpenAI cannot express.
 */
import { validationError } from '../../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolChoice } from '../openai-types.js';
import { RAW_ARGUMENTS_KEY } from './request.js';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicRequest, AnthropicToolChoice, AnthropicToolResultBlock } from './types.js';

/** Put before a tool result's content when the Anthropic block had `is_error: true`. */
export const TOOL_ERROR_PREFIX = 'Error: ';

/** A tool_use `input` as OpenAI arguments; an input Gantry wrapped (RAW_ARGUMENTS_KEY) gets its raw text back. */
export function inputToArguments(input: unknown): string {
  if (typeof input === 'object' && input !== null) {
    const raw = (input as Record<string, unknown>)[RAW_ARGUMENTS_KEY];
    if (typeof raw === 'string' && Object.keys(input).length === 1) return raw;
  }
  return JSON.stringify(input ?? {});
}

/** reasoning_effort for a thinking budget: the nearest of Gantry's budgets (1024 / 4096 / 16384). */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  if (budget <= 2048) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

function userPart(block: AnthropicContentBlock, path: string): ContentPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image': {
      const s = block.source;
      if (s?.type === 'base64') return { type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` } };
      if (s?.type === 'url') return { type: 'image_url', image_url: { url: s.url } };
      break;
    }
    case 'document': {
      const s = block.source as { type?: string; media_type?: string; data?: unknown };
      if (s?.type === 'base64' && s.media_type === 'application/pdf' && typeof s.data === 'string') {
        const file: Record<string, string> = { file_data: `data:application/pdf;base64,${s.data}` };
        if (typeof block.title === 'string') file.filename = block.title;
        return { type: 'file', file };
      }
      if (s?.type === 'text' && typeof s.data === 'string') return { type: 'text', text: s.data };
      break;
    }
    default:
      break;
  }
  throw validationError(`A '${block.type}' block cannot be sent to this provider`, [{ path, message: 'unsupported content block' }]);
}

function toolMessage(block: AnthropicToolResultBlock, path: string): { tool: ChatMessage; images: ContentPart[] } {
  const images: ContentPart[] = [];
  let content: string | ContentPart[];
  if (block.content === undefined || typeof block.content === 'string') {
    content = block.content ?? '';
    if (block.is_error === true) content = TOOL_ERROR_PREFIX + content;
  } else {
    const texts: ContentPart[] = [];
    block.content.forEach((b, i) => {
      // OpenAI tool messages hold text only: images go to a user message right after the tool messages.
      if (b.type === 'image') images.push(userPart(b, `${path}/content/${i}`));
      else texts.push(userPart(b, `${path}/content/${i}`));
    });
    if (block.is_error === true) texts.unshift({ type: 'text', text: TOOL_ERROR_PREFIX.trimEnd() });
    content = texts;
  }
  return { tool: { role: 'tool', tool_call_id: block.tool_use_id, content }, images };
}

function userMessages(m: AnthropicMessage, path: string, out: ChatMessage[]): void {
  if (typeof m.content === 'string') {
    out.push({ role: 'user', content: m.content });
    return;
  }
  const parts: ContentPart[] = [];
  m.content.forEach((b, i) => {
    const p = `${path}/content/${i}`;
    if (b.type === 'tool_result') {
      const { tool, images } = toolMessage(b, p);
      out.push(tool);
      parts.push(...images);
    } else {
      parts.push(userPart(b, p));
    }
  });
  if (parts.length > 0) out.push({ role: 'user', content: parts });
}

function assistantMessage(m: AnthropicMessage, path: string): ChatMessage {
  if (typeof m.content === 'string') return { role: 'assistant', content: m.content };
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  m.content.forEach((b, i) => {
    if (b.type === 'text') text += b.text;
    else if (b.type === 'thinking') reasoning += b.thinking;
    else if (b.type === 'tool_use') toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: inputToArguments(b.input) } });
    else if (b.type !== 'redacted_thinking') {
      throw validationError(`An assistant '${b.type}' block cannot be sent to this provider`, [{ path: `${path}/content/${i}`, message: 'unsupported content block' }]);
    }
  });
  const msg: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  if (reasoning !== '') msg.reasoning_content = reasoning;
  return msg;
}

function toolChoice(c: AnthropicToolChoice): ToolChoice {
  switch (c.type) {
    case 'any':
      return 'required';
    case 'tool':
      return { type: 'function', function: { name: c.name } };
    case 'none':
      return 'none';
    default:
      return 'auto';
  }
}

export function anthropicToOpenaiRequest(req: AnthropicRequest): ChatRequest {
  if (!Array.isArray(req.messages)) throw validationError('messages must be an array', [{ path: '/messages', message: 'required' }]);
  const messages: ChatMessage[] = [];
  if (typeof req.system === 'string') {
    if (req.system !== '') messages.push({ role: 'system', content: req.system });
  } else if (Array.isArray(req.system) && req.system.length > 0) {
    const parts = req.system.map((b, i) => userPart(b, `/system/${i}`));
    messages.push({ role: 'system', content: parts.length === 1 && parts[0].type === 'text' ? (parts[0] as { text: string }).text : parts });
  }
  req.messages.forEach((m, i) => {
    if (m?.role === 'user') userMessages(m, `/messages/${i}`, messages);
    else if (m?.role === 'assistant') messages.push(assistantMessage(m, `/messages/${i}`));
    else throw validationError(`Unknown message role '${String(m?.role)}'`, [{ path: `/messages/${i}/role`, message: 'unknown role' }]);
  });

  const out: ChatRequest = { model: req.model, messages };
  if (typeof req.max_tokens === 'number') out.max_tokens = req.max_tokens;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    out.tools = req.tools.map((t, i) => {
      if (t.type !== undefined && t.type !== 'custom') {
        throw validationError(`Anthropic server tool '${t.type}' cannot be sent to this provider`, [{ path: `/tools/${i}`, message: 'unsupported tool' }]);
      }
      const fn: { name: string; description?: string; parameters?: Record<string, unknown> } = { name: t.name, parameters: t.input_schema };
      if (t.description !== undefined) fn.description = t.description;
      return { type: 'function' as const, function: fn };
    });
    if (req.tool_choice) {
      out.tool_choice = toolChoice(req.tool_choice);
      if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
    }
  }
  const userId = req.metadata?.user_id;
  if (typeof userId === 'string' && userId !== '') out.user = userId;
  if (req.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true }; // message_delta needs the usage
  }
  const thinking = req.thinking as { type?: string; budget_tokens?: unknown } | undefined;
  if (thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number') out.reasoning_effort = effortForBudget(thinking.budget_tokens);
  return out;
}
