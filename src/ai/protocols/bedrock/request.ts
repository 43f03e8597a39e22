/**
 * OpenAI Chat Completions request → Bedrock Converse / ConverseStream request.
 * Pure and synchronous; throws a GantryError (GANTRY_ERR_VALIDATION) for input Bedrock cannot take.
 */
import { GantryError } from '../../../core/errors.js';
import { encodeAwsPathSegment } from '../../providers/sigv4.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../openai-types.js';
import type { ConverseContentBlock, ConverseImageFormat, ConverseMessage, ConverseRequest, ConverseToolChoice, ConverseToolSpec } from './types.js';

/** Name of the forced tool that carries `response_format: json_object` (json_schema uses its own name). */
export const BEDROCK_JSON_TOOL = 'json_response';

const IMAGE_FORMATS: Record<string, ConverseImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function invalid(message: string): GantryError {
  return new GantryError('GANTRY_ERR_VALIDATION', message);
}

export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) if (part.type === 'text' && typeof part.text === 'string') out += part.text;
  return out;
}

function imageBlock(url: string, where: string): ConverseContentBlock {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma === -1) {
    throw invalid(`${where}: Bedrock needs image bytes inline: send the image as a data: URL, not a link`);
  }
  const meta = url.slice(5, comma).split(';');
  const format = IMAGE_FORMATS[meta[0].toLowerCase()];
  if (!format) throw invalid(`${where}: Bedrock takes png, jpeg, gif or webp images, not '${meta[0].slice(0, 40)}'`);
  const payload = url.slice(comma + 1);
  let bytes: string;
  try {
    bytes = meta.includes('base64') ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
  } catch {
    throw invalid(`${where}: the image data URL is malformed`);
  }
  return { image: { format, source: { bytes } } };
}

function contentBlocks(content: ChatMessage['content'], where: string): ConverseContentBlock[] {
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: ConverseContentBlock[] = [];
  for (const part of content as ContentPart[]) {
    const p = part as { text?: unknown; image_url?: { url?: unknown } };
    if (part.type === 'text') {
      if (typeof p.text === 'string' && p.text.trim() !== '') blocks.push({ text: p.text });
    } else if (part.type === 'image_url') {
      if (typeof p.image_url?.url !== 'string') throw invalid(`${where}: image_url.url must be a string`);
      blocks.push(imageBlock(p.image_url.url, where));
    } else {
      throw invalid(`${where}: content part type '${String(part.type).slice(0, 40)}' is not supported by Bedrock Converse`);
    }
  }
  return blocks;
}

function parseArguments(args: string, where: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    throw invalid(`${where}: function.arguments is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where}: function.arguments must be a JSON object`);
  return value as Record<string, unknown>;
}

function toolName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return clean === '' ? BEDROCK_JSON_TOOL : clean;
}

const EMPTY = {} as Record<string, never>;

export function openaiToConverseRequest(
  req: ChatRequest,
  opts: { model: string },
): { path: string; body: ConverseRequest; jsonTool?: string } {
  if (req.n != null && req.n > 1) throw invalid('Bedrock Converse returns a single choice: `n` must be 1');
  const system: Array<{ text: string }> = [];
  const messages: ConverseMessage[] = [];
  const historyTools = new Set<string>();

  const push = (role: 'user' | 'assistant', blocks: ConverseContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  (req.messages ?? []).forEach((msg, i) => {
    const where = `messages[${i}]`;
    switch (msg.role) {
      case 'system':
      case 'developer': {
        const text = textOf(msg.content);
        if (text.trim() !== '') system.push({ text });
        break;
      }
      case 'user':
        push('user', contentBlocks(msg.content, where));
        break;
      case 'assistant': {
        const blocks = contentBlocks(msg.content, where);
        (msg.tool_calls ?? []).forEach((tc, j) => {
          const at = `${where}.tool_calls[${j}]`;
          if (typeof tc.id !== 'string' || typeof tc.function?.name !== 'string') throw invalid(`${at}: id and function.name are required`);
          historyTools.add(tc.function.name);
          blocks.push({ toolUse: { toolUseId: tc.id, name: tc.function.name, input: parseArguments(tc.function.arguments ?? '', at) } });
        });
        push('assistant', blocks);
        break;
      }
      case 'tool': {
        if (typeof msg.tool_call_id !== 'string') throw invalid(`${where}: tool_call_id is required`);
        push('user', [{ toolResult: { toolUseId: msg.tool_call_id, content: [{ text: textOf(msg.content) }] } }]);
        break;
      }
      default:
        throw invalid(`${where}: role '${String(msg.role).slice(0, 32)}' is not supported`);
    }
  });

  const body: ConverseRequest = { messages };
  if (system.length > 0) body.system = system;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) inference.maxTokens = max;
  if (req.temperature != null) inference.temperature = req.temperature;
  if (req.top_p != null) inference.topP = req.top_p;
  if (req.stop != null) inference.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const specs: ConverseToolSpec[] = (req.tools ?? [])
    .filter((t) => t.type === 'function' && t.function)
    .map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
    }));
  const userTools = specs.length;
  const choice = req.tool_choice;

  let jsonTool: string | undefined;
  const format = req.response_format;
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    const schema = format.type === 'json_schema' ? format.json_schema?.schema : undefined;
    jsonTool = format.type === 'json_schema' ? toolName(format.json_schema?.name ?? '') : BEDROCK_JSON_TOOL;
    specs.push({
      name: jsonTool,
      description:
        (format.type === 'json_schema' ? format.json_schema?.description : undefined) ??
        'Give your final answer by calling this tool with the answer as its input.',
      inputSchema: { json: schema ?? { type: 'object' } },
    });
  }

  let toolChoice: ConverseToolChoice | undefined;
  if (jsonTool) {
    if (typeof choice === 'object' && choice !== null) toolChoice = { tool: { name: choice.function.name } };
    else if (userTools > 0 && choice !== 'none') toolChoice = { any: EMPTY };
    else toolChoice = { tool: { name: jsonTool } };
  } else if (choice === 'auto') toolChoice = { auto: EMPTY };
  else if (choice === 'required') toolChoice = { any: EMPTY };
  else if (typeof choice === 'object' && choice !== null) toolChoice = { tool: { name: choice.function.name } };

  // Converse has no tool_choice "none": tools are left out, unless the history holds tool blocks
  // (Bedrock then requires a toolConfig), in which case they stay, with no toolChoice.
  const omitTools = choice === 'none' && !jsonTool && historyTools.size === 0;
  if (!omitTools && specs.length === 0 && historyTools.size > 0) {
    for (const name of historyTools) specs.push({ name, inputSchema: { json: { type: 'object' } } });
  }
  if (!omitTools && specs.length > 0) body.toolConfig = toolChoice ? { tools: specs.map((toolSpec) => ({ toolSpec })), toolChoice } : { tools: specs.map((toolSpec) => ({ toolSpec })) };

  const path = `/model/${encodeAwsPathSegment(opts.model)}/${req.stream === true ? 'converse-stream' : 'converse'}`;
  return jsonTool ? { path, body, jsonTool } : { path, body };
}
