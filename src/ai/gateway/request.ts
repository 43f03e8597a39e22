/**
 * The inbound side of an AI call: which endpoint the path names (the path that would go upstream,
 * after strip/rewrite), the JSON body read whole within the route's limit, and the few checks every
 * later step relies on (model, messages, stream). Field-level validation beyond that is the
 * provider's job: its error comes back to the client translated.
 */
import { GantryError } from '../../core/errors.js';
import type { RequestContext } from '../../gateway/context.js';
import { captureRequestBody } from '../../gateway/capture-tap.js';
import { upstreamPath } from '../../gateway/paths.js';
import type { AiEndpoint } from '../events.js';
import type { Inbound } from './errors.js';

export interface EndpointMatch {
  endpoint: AiEndpoint;
  inbound: Inbound;
}

/** Null: not an AI endpoint (404 in the inbound shape). */
export function endpointOf(ctx: RequestContext): EndpointMatch | null {
  let path = upstreamPath(ctx.route!, ctx.matchedPath!, ctx.rawPath, '', ctx.params);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const m = ctx.method;
  if (m === 'POST') {
    if (path.endsWith('/chat/completions')) return { endpoint: 'chat', inbound: 'openai' };
    if (path.endsWith('/messages')) return { endpoint: 'messages', inbound: 'anthropic' };
    if (path.endsWith('/embeddings')) return { endpoint: 'embeddings', inbound: 'openai' };
  } else if (m === 'GET' && path.endsWith('/models')) {
    return { endpoint: 'models', inbound: 'openai' };
  }
  return null;
}

function invalid(message: string, param: string): GantryError {
  return new GantryError('GANTRY_ERR_AI_INVALID_REQUEST', message, { details: [{ path: param, message }] });
}

function tooLarge(max: number): GantryError {
  return new GantryError('GANTRY_ERR_BODY_TOO_LARGE', `The request body is larger than ${max} bytes`);
}

/** The whole request body, refused past `ctx.maxBodyBytes` (declared or counted). */
export function readBody(ctx: RequestContext): Promise<Buffer> {
  const max = ctx.maxBodyBytes;
  const req = ctx.req;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return Promise.reject(tooLarge(max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        settled = true;
        req.off('data', onData);
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      ctx.bytesIn = size;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      if (ctx.capture !== null) captureRequestBody(ctx, body);
      resolve(body);
    });
    req.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
  });
}

export type JsonObject = Record<string, unknown>;

export function parseJson(raw: Buffer): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid('The request body is not valid JSON', '/');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('The request body must be a JSON object', '/');
  return value as JsonObject;
}

/** Checks the fields the AI path depends on; returns the model asked for. */
export function checkBody(endpoint: AiEndpoint, body: JsonObject): string {
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw invalid('`model` is required and must be a non-empty string', '/model');
  if (endpoint === 'embeddings') {
    const input = body.input;
    if (typeof input !== 'string' && !Array.isArray(input)) throw invalid('`input` must be a string or an array', '/input');
    return model;
  }
  if (!Array.isArray(body.messages)) throw invalid('`messages` is required and must be an array', '/messages');
  if (body.messages.length === 0) throw invalid('`messages` must not be empty', '/messages');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid('`stream` must be a boolean', '/stream');
  const so = body.stream_options;
  if (so !== undefined && so !== null && (typeof so !== 'object' || Array.isArray(so))) throw invalid('`stream_options` must be an object', '/stream_options');
  if (endpoint === 'messages' && body.max_tokens !== undefined && (typeof body.max_tokens !== 'number' || !(body.max_tokens >= 1))) {
    throw invalid('`max_tokens` must be a positive number', '/max_tokens');
  }
  return model;
}
