/**
 * OpenAI Chat Completions request → Gemini `generateContent` / `streamGenerateContent` request.
 * Pure and synchronous; throws a GantryError (GANTRY_ERR_VALIDATION) for input Gemini cannot take.
 */
import { GantryError } from '../../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../openai-types.js';
import { toGeminiParameters, toGeminiSchema } from './schema.js';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest, GeminiThinkingConfig } from './types.js';

/**
 * Google's documented placeholder for a replayed function call whose thought signature was lost
 * (the client dropped `extra_content`, or the call came from another model). Gemini 3 answers 400
 * to a model turn whose first function call carries no signature at all.
 */
export const GEMINI_DUMMY_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Thinking budgets (tokens) for Gemini 2.x; each is within every 2.5 model's accepted range. */
const THINKING_BUDGET = { minimal: 512, low: 1024, medium: 8192, high: 24576 } as const;
/** Gemini 3 takes a level; `low` and `high` are the two every Gemini 3 model accepts. */
const THINKING_LEVEL = { minimal: 'low', low: 'low', medium: 'high', high: 'high' } as const;

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

function invalid(message: string): GantryError {
  return new GantryError('GANTRY_ERR_VALIDATION', message);
}

/** Strips a `models/` prefix and escapes the id for the URL path. */
export function geminiModelPath(model: string): string {
  return encodeURIComponent(model.startsWith('models/') ? model.slice(7) : model);
}

/** True for `gemini-3...` and later, the models that validate thought signatures and take thinking levels. */
function isGemini3OrLater(model: string): boolean {
  const m = /^(?:models\/)?gemini-(\d+)/.exec(model);
  return m !== null && Number(m[1]) >= 3;
}

/** `data:<mime>[;base64],<payload>` → base64 data; undefined when `url` is not a data URL. */
export function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const meta = url.slice(5, comma).split(';');
  const payload = url.slice(comma + 1);
  const base64 = meta.includes('base64');
  let data: string;
  try {
    data = base64 ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
  } catch {
    return undefined;
  }
  return { mimeType: meta[0] || 'application/octet-stream', data };
}

function guessMime(url: string): string {
  const path = url.split(/[?#]/, 1)[0];
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return MIME_BY_EXTENSION[ext] ?? 'image/jpeg';
}

export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) if (part.type === 'text' && typeof part.text === 'string') out += part.text;
  return out;
}

function contentParts(content: ChatMessage['content'], where: string): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  const parts: GeminiPart[] = [];
  for (const part of content) parts.push(...partOf(part, where));
  return parts;
}

function partOf(part: ContentPart, where: string): GeminiPart[] {
  const p = part as {
    text?: unknown;
    image_url?: { url?: unknown };
    input_audio?: { data?: unknown; format?: unknown };
    file?: { file_data?: unknown };
  };
  switch (part.type) {
    case 'text':
      return typeof p.text === 'string' && p.text !== '' ? [{ text: p.text }] : [];
    case 'image_url': {
      const url: unknown = p.image_url?.url;
      if (typeof url !== 'string') throw invalid(`${where}: image_url.url must be a string`);
      const inline = parseDataUrl(url);
      if (inline) return [{ inlineData: inline }];
      if (/^https?:\/\//i.test(url)) return [{ fileData: { fileUri: url, mimeType: guessMime(url) } }];
      throw invalid(`${where}: an image must be a data: URL or an http(s) URL`);
    }
    case 'input_audio': {
      const data: unknown = p.input_audio?.data;
      const format: unknown = p.input_audio?.format;
      if (typeof data !== 'string') throw invalid(`${where}: input_audio.data must be base64 audio`);
      return [{ inlineData: { mimeType: format === 'mp3' ? 'audio/mp3' : 'audio/wav', data } }];
    }
    case 'file': {
      const fileData: unknown = p.file?.file_data;
      const inline = typeof fileData === 'string' ? parseDataUrl(fileData) : undefined;
      if (inline) return [{ inlineData: inline }];
      throw invalid(`${where}: a file part must carry file_data as a data: URL (file ids are not shared with Gemini)`);
    }
    default:
      throw invalid(`${where}: content part type '${String(part.type).slice(0, 40)}' is not supported by Gemini`);
  }
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

function toolConfigOf(choice: ToolChoice | undefined): GeminiRequest['toolConfig'] {
  if (choice === undefined) return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (typeof choice === 'object' && typeof choice.function?.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  return undefined;
}

function generationConfigOf(req: ChatRequest, model: string): GeminiGenerationConfig | undefined {
  const g: GeminiGenerationConfig = {};
  if (req.temperature != null) g.temperature = req.temperature;
  if (req.top_p != null) g.topP = req.top_p;
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) g.maxOutputTokens = max;
  if (req.stop != null) g.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.n != null) g.candidateCount = req.n;
  if (req.seed != null) g.seed = req.seed;
  if (req.presence_penalty != null) g.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty != null) g.frequencyPenalty = req.frequency_penalty;
  const format = req.response_format;
  if (format?.type === 'json_object' || format?.type === 'json_schema') g.responseMimeType = 'application/json';
  if (format?.type === 'json_schema' && format.json_schema?.schema) g.responseSchema = toGeminiSchema(format.json_schema.schema);
  const effort = req.reasoning_effort;
  if (effort && effort in THINKING_BUDGET) {
    const thinking: GeminiThinkingConfig = { includeThoughts: true };
    if (isGemini3OrLater(model)) thinking.thinkingLevel = THINKING_LEVEL[effort];
    else thinking.thinkingBudget = THINKING_BUDGET[effort];
    g.thinkingConfig = thinking;
  }
  return Object.keys(g).length > 0 ? g : undefined;
}

export function openaiToGeminiRequest(req: ChatRequest, opts: { model: string }): { body: GeminiRequest; path: string } {
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const validateSignatures = isGemini3OrLater(opts.model);

  const push = (role: 'user' | 'model', parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  (req.messages ?? []).forEach((msg, i) => {
    const where = `messages[${i}]`;
    switch (msg.role) {
      case 'system':
      case 'developer': {
        const text = textOf(msg.content);
        if (text !== '') system.push({ text });
        break;
      }
      case 'user':
        push('user', contentParts(msg.content, where));
        break;
      case 'assistant': {
        const parts = contentParts(msg.content, where);
        let signed = false;
        const calls: GeminiPart[] = [];
        (msg.tool_calls ?? []).forEach((tc, j) => {
          const name = tc.function?.name;
          if (typeof name !== 'string') throw invalid(`${where}.tool_calls[${j}]: function.name is required`);
          if (typeof tc.id === 'string') toolNames.set(tc.id, name);
          const part: GeminiPart = { functionCall: { name, args: parseArguments(tc.function.arguments ?? '', `${where}.tool_calls[${j}]`) } };
          const signature = tc.extra_content?.google?.thought_signature;
          if (typeof signature === 'string' && signature !== '') {
            part.thoughtSignature = signature;
            signed = true;
          }
          calls.push(part);
        });
        if (validateSignatures && calls.length > 0 && !signed) calls[0].thoughtSignature = GEMINI_DUMMY_THOUGHT_SIGNATURE;
        push('model', [...parts, ...calls]);
        break;
      }
      case 'tool': {
        const id = msg.tool_call_id;
        const name = (typeof id === 'string' ? toolNames.get(id) : undefined) ?? msg.name;
        if (!name) throw invalid(`${where}: tool_call_id '${String(id).slice(0, 64)}' matches no earlier assistant tool call`);
        push('user', [{ functionResponse: { name, response: { content: textOf(msg.content) } } }]);
        break;
      }
      default:
        throw invalid(`${where}: role '${String(msg.role).slice(0, 32)}' is not supported`);
    }
  });

  const body: GeminiRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const declarations = (req.tools ?? [])
    .filter((t) => t.type === 'function' && t.function)
    .map((t) => {
      const parameters = toGeminiParameters(t.function.parameters);
      return {
        name: t.function.name,
        ...(t.function.description ? { description: t.function.description } : {}),
        ...(parameters ? { parameters } : {}),
      };
    });
  if (declarations.length > 0) body.tools = [{ functionDeclarations: declarations }];
  const toolConfig = toolConfigOf(req.tool_choice);
  if (toolConfig && declarations.length > 0) body.toolConfig = toolConfig;
  const generationConfig = generationConfigOf(req, opts.model);
  if (generationConfig) body.generationConfig = generationConfig;

  const model = geminiModelPath(opts.model);
  const path = req.stream === true ? `/v1beta/models/${model}:streamGenerateContent?alt=sse` : `/v1beta/models/${model}:generateContent`;
  return { body, path };
}
