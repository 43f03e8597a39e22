/**
 * A provider's HTTP error answer, in OpenAI terms, by the protocol it speaks. An Anthropic client of
 * an Anthropic provider keeps the provider's status and error type as sent (529 overloaded_error
 * included: its SDK retries that).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { anthropicErrorToOpenai } from '../../protocols/anthropic/errors.js';
import { bedrockErrorToOpenai } from '../../protocols/bedrock/errors.js';
import { geminiErrorToOpenai } from '../../protocols/gemini/errors.js';
import type { ErrorBody } from '../../protocols/openai-types.js';
import type { WireProtocol } from '../../providers/descriptors.js';
import type { Inbound } from '../errors.js';

export interface ProviderError {
  /** Status for the client. */
  status: number;
  error: ErrorBody['error'];
  anthropicType?: string;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function openaiShaped(status: number, body: unknown): ErrorBody['error'] {
  const fallback = `The provider answered HTTP ${status}`;
  if (typeof body === 'object' && body !== null) {
    const e = (body as { error?: unknown; message?: unknown }).error;
    if (typeof e === 'object' && e !== null) {
      const o = e as Record<string, unknown>;
      return {
        message: typeof o.message === 'string' ? o.message : fallback,
        type: typeof o.type === 'string' ? o.type : '',
        param: typeof o.param === 'string' ? o.param : null,
        code: typeof o.code === 'string' || typeof o.code === 'number' ? String(o.code) : null,
      };
    }
    if (typeof e === 'string') return { message: e, type: '', param: null, code: null };
    const m = (body as { message?: unknown }).message;
    if (typeof m === 'string') return { message: m, type: '', param: null, code: null };
  }
  if (typeof body === 'string' && body.trim() !== '') return { message: body.slice(0, 2000), type: '', param: null, code: null };
  return { message: fallback, type: '', param: null, code: null };
}

export function translateProviderError(
  protocol: WireProtocol,
  inbound: Inbound,
  status: number,
  raw: Buffer,
  headers: IncomingHttpHeaders,
): ProviderError {
  const body = parse(raw.toString('utf8'));
  const clientStatus = status >= 400 && status <= 599 ? status : 502;
  switch (protocol) {
    case 'anthropic': {
      const mapped = anthropicErrorToOpenai(status, body);
      const e = (body as { error?: { type?: unknown } } | null)?.error;
      const type = typeof e === 'object' && e !== null && typeof e.type === 'string' ? e.type : undefined;
      if (inbound === 'anthropic') return { status: clientStatus, error: mapped.body.error, anthropicType: type };
      return { status: mapped.status, error: mapped.body.error };
    }
    case 'gemini': {
      const mapped = geminiErrorToOpenai(status, body);
      return { status: mapped.status, error: mapped.body.error };
    }
    case 'bedrock': {
      const mapped = bedrockErrorToOpenai(status, body, headers as Record<string, string | string[] | undefined>);
      return { status: mapped.status, error: mapped.body.error };
    }
    default:
      return { status: clientStatus, error: openaiShaped(status, body) };
  }
}
