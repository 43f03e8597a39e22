/** Telemetry test plumbing: a sink whose behaviour a test switches, temp dirs, call events. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { AiCallEvent } from '../../src/ai/events.js';
import type { CallBodies, CallRecord } from '../../src/core/call-record.js';
import type { CallEventInput } from '../../src/telemetry/record.js';
import { SinkError, type CallSink } from '../../src/telemetry/sinks/types.js';

export type SinkMode = 'ok' | 'fail' | 'refuse' | 'hold';

/** Records what it is given; `mode` decides what the next write does. */
export class TestSink implements CallSink {
  readonly name: string;
  mode: SinkMode = 'ok';
  /** Fail this many writes, then behave per `mode`. */
  failNext = 0;
  delayMs = 0;
  calls = 0;
  closed = false;
  readonly batches: CallRecord[][] = [];
  readonly bodies: CallBodies[] = [];
  #release: (() => void) | null = null;
  #held: Promise<void> | null = null;

  constructor(name = 'test') {
    this.name = name;
  }

  get records(): CallRecord[] {
    return this.batches.flat();
  }

  /** Lets the writes held by mode `hold` finish (and the next ones through). */
  release(): void {
    this.mode = 'ok';
    this.#release?.();
  }

  async write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void> {
    this.calls++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('sink down');
    }
    if (this.mode === 'fail') throw new Error('sink down');
    if (this.mode === 'refuse') throw new SinkError('refused', { retryable: false });
    if (this.mode === 'hold') {
      this.#held ??= new Promise<void>((resolve) => (this.#release = resolve));
      await this.#held;
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    this.batches.push([...records]);
    this.bodies.push(...bodies);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A temp dir removed after the file's tests. */
export function tempDir(prefix = 'gantry-telemetry-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let n = 0;

/** A `gantry:call` event of a plain HTTP call, its query carrying a secret. */
export function httpCall(over: Partial<CallEventInput> = {}): CallEventInput {
  n++;
  return {
    requestId: `req-${n}`,
    timestamp: Date.now(),
    method: 'GET',
    path: `/items/${n}`,
    clientIp: '10.0.0.1',
    status: 200,
    routeId: 'rt_a',
    serviceId: 'svc_a',
    appId: 'app_a',
    teamId: 'team_a',
    keyId: 'key_a',
    latencyMs: 5,
    upstreamLatencyMs: 4,
    bytesIn: 10,
    bytesOut: 100,
    upstreamTarget: 'http://10.0.0.5:80',
    upstreamStatus: 200,
    retries: 0,
    errorCode: null,
    host: 'api.example.com',
    query: '?access_token=sekret-value-123&page=1',
    routeTeamId: 'team_a',
    serviceKind: 'http',
    ...over,
  };
}

/** The time of the fixed events below. */
export const EVENT_TIME = Date.UTC(2025, 5, 1, 12);

/** A `gantry:ai-call` event of a chat call that fell back once; override what the test is about. */
export function aiEvent(over: Partial<AiCallEvent> = {}): AiCallEvent {
  return {
    requestId: 'req-1',
    timestamp: EVENT_TIME,
    endpoint: 'chat',
    inbound: 'openai',
    teamId: 'team_caller',
    appId: 'app_1',
    keyId: 'key_1',
    serviceId: 'svc_ai',
    routeId: 'rt_ai',
    modelRequested: 'smart',
    providerId: 'aip_1',
    providerKind: 'openai',
    modelServed: 'openai/gpt-4o',
    usage: { prompt_tokens: 100, completion_tokens: 40, cached_read_tokens: 20, cache_write_tokens: 0, reasoning_tokens: 8, estimated: false },
    cost: { input: 0.001, output: 0.002, cache_read: 0, cache_write: 0, total: 0.003 },
    streamed: true,
    status: 200,
    errorCode: null,
    latencyMs: 810,
    ttftMs: 120,
    overheadMs: 3.5,
    attempts: [
      { providerId: 'aip_2', providerName: 'backup', model: 'anthropic/claude', keyId: 'aik_2', status: 429, outcome: 'rate_limited', durationMs: 40 },
      { providerId: 'aip_1', providerName: 'main', model: 'openai/gpt-4o', keyId: 'aik_1', status: 200, outcome: null, durationMs: 700 },
    ],
    providerKeyId: 'aik_1',
    cacheHit: false,
    ...over,
  };
}
