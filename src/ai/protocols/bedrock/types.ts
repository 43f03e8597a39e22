/**
 * Amazon Bedrock Runtime Converse / ConverseStream wire types (JSON names): only the fields
 * Gantry writes or reads.
 */

export type ConverseImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface ConverseToolUse {
  toolUseId: string;
  name: string;
  input: unknown;
}

export interface ConverseToolResult {
  toolUseId: string;
  content: Array<{ text: string } | { json: unknown }>;
  status?: 'success' | 'error';
}

export interface ConverseReasoningContent {
  reasoningText?: { text: string; signature?: string };
  redactedContent?: string;
}

export interface ConverseContentBlock {
  text?: string;
  image?: { format: ConverseImageFormat; source: { bytes: string } };
  toolUse?: ConverseToolUse;
  toolResult?: ConverseToolResult;
  reasoningContent?: ConverseReasoningContent;
}

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

export interface ConverseToolSpec {
  name: string;
  description?: string;
  inputSchema: { json: Record<string, unknown> };
}

export type ConverseToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: Array<{ toolSpec: ConverseToolSpec }>; toolChoice?: ConverseToolChoice };
}

export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded'
  | (string & {});

export interface ConverseTokenUsage {
  /** Input tokens not read from or written to the prompt cache. */
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: ConverseMessage };
  stopReason?: ConverseStopReason;
  usage?: ConverseTokenUsage;
  metrics?: { latencyMs?: number };
}

/** Payloads of ConverseStream events, by `:event-type`. */
export interface ConverseStreamPayloads {
  messageStart: { role?: string };
  contentBlockStart: { contentBlockIndex?: number; start?: { toolUse?: { toolUseId?: string; name?: string } } };
  contentBlockDelta: {
    contentBlockIndex?: number;
    delta?: {
      text?: string;
      toolUse?: { input?: string };
      reasoningContent?: { text?: string; signature?: string; redactedContent?: string };
    };
  };
  contentBlockStop: { contentBlockIndex?: number };
  messageStop: { stopReason?: ConverseStopReason };
  metadata: { usage?: ConverseTokenUsage; metrics?: { latencyMs?: number } };
}
