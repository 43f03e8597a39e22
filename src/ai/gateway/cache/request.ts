/**
 * One request's use of the AI cache, once the body is parsed and the model resolved: its key, the
 * lookup (with coalescing of identical misses), and, when the call ends, the answer stored.
 *
 * The key is aiCacheKey over the normalized body (src/cache/ai-key.ts: no header, so never the
 * caller's key), scoped by the policy, the service, who shares (the caller's team by default), the
 * service's default max_tokens and the targets the model resolved to (an alias pointed elsewhere, or
 * another team's view of a model name, never gets the old answer) and, for Anthropic Messages, the
 * `anthropic-version` / `anthropic-beta` values Gantry forwards to the provider.
 *
 * A streamed miss is stored too: the events the client received are kept (bounded) and, after the
 * response ended, folded into the non-stream answer (assemble.ts), so either kind of request can be
 * served from it later. Stored only when the call served a complete answer: no error, no cut stream.
 */
import { aiCacheKey, type AiCacheKind } from '../../../cache/ai-key.js';
import { parseCacheControl } from '../../../cache/http-headers.js';
import type { CacheEntry } from '../../../cache/types.js';
import type { RequestContext } from '../../../gateway/context.js';
import type { NormalizedUsage } from '../../protocols/openai-types.js';
import type { ProviderCall } from '../../providers/request.js';
import type { CallResult } from '../call.js';
import type { ClientBody, Exchange, ExchangeEndpoint, StreamSink, StreamTranslator } from '../exchange/index.js';
import type { CompiledAiService, ResolvedTarget } from '../types.js';
import { assembleAnthropicMessage, assembleOpenAiChat } from './assemble.js';
import { answerEntry, answerOf, openaiUsage, unstorable, type StoredAnswer } from './entry.js';
import type { AiCacheSettings } from './settings.js';

const KIND: Readonly<Record<ExchangeEndpoint, AiCacheKind>> = { chat: 'openai-chat', messages: 'anthropic-messages', embeddings: 'openai-embeddings' };

/** What a request's headers ask of the cache. */
type Mode = 'use' | 'refresh' | 'no-store';

function modeOf(ctx: RequestContext, settings: AiCacheSettings): Mode {
  const v = ctx.headers[settings.bypassHeader];
  if (typeof v === 'string') {
    const value = v.trim().toLowerCase();
    if (value === 'no-store') return 'no-store';
    if (value === 'bypass' || value === 'no-cache' || value === 'refresh') return 'refresh';
  }
  if (settings.honorCacheControl) {
    const cc = ctx.headers['cache-control'];
    if (cc !== undefined) {
      const d = parseCacheControl(cc);
      if (d.has('no-store')) return 'no-store';
      if (d.has('no-cache')) return 'refresh';
    }
  }
  return 'use';
}

function headerText(v: string | string[] | undefined): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(',') : v;
}

/** Requests whose answer a repeat must not get: log probabilities (a replayed stream has none), sampling when only deterministic ones are cached. */
function cacheable(endpoint: ExchangeEndpoint, body: Record<string, unknown>, settings: AiCacheSettings): boolean {
  if (endpoint === 'embeddings') return true;
  if (body.logprobs === true || body.top_logprobs != null) return false;
  if (settings.deterministicOnly) return body.temperature === 0 && (body.n == null || body.n === 1);
  return true;
}

/** Streamed events kept for the entry, bounded: SSE framing makes them larger than the JSON stored. */
const FRAMING_FACTOR = 4;

export class AiCacheRequest {
  readonly key: string;
  readonly kind: AiCacheKind;
  readonly #ctx: RequestContext;
  readonly #settings: AiCacheSettings;
  readonly #read: boolean;
  readonly #write: boolean;
  readonly #tags: readonly string[];
  /** Set while this request is the one a coalesced miss waits for. */
  #release: ((entry: CacheEntry | undefined) => void) | null = null;
  #events: string[] = [];
  #eventBytes = 0;
  #overflow = false;
  #streamEnded = false;

  private constructor(ctx: RequestContext, settings: AiCacheSettings, kind: AiCacheKind, key: string, mode: Mode, cacheableRequest: boolean) {
    this.#ctx = ctx;
    this.#settings = settings;
    this.kind = kind;
    this.key = key;
    this.#read = cacheableRequest && mode === 'use';
    this.#write = cacheableRequest && mode !== 'no-store';
    this.#tags = ['ai', `service:${ctx.service!.id}`, `route:${ctx.route!.id}`];
  }

  /** The request's cache use; null when the policy does not cache this endpoint. */
  static open(
    ctx: RequestContext,
    settings: AiCacheSettings,
    endpoint: ExchangeEndpoint,
    body: Record<string, unknown>,
    targets: readonly ResolvedTarget[],
    service: CompiledAiService,
  ): AiCacheRequest | null {
    if (!settings.endpoints.has(endpoint)) return null;
    const kind = KIND[endpoint];
    const sharer = settings.share === 'team' ? `team:${ctx.consumer?.teamId ?? ''}` : 'service';
    const served = targets.map((t) => `${t.provider.id}/${t.model}`).sort().join(',');
    let scope = `${settings.policyId}\0${ctx.service!.id}\0${sharer}\0${service.defaultMaxTokens}\0${served}`;
    // The two headers an Anthropic provider receives from the client choose the API's behaviour (beta features).
    if (endpoint === 'messages') scope += `\0${headerText(ctx.headers['anthropic-version'])}\0${headerText(ctx.headers['anthropic-beta'])}`;
    // `ai:` keeps AI entries apart from REST ones in the stores both caches share.
    return new AiCacheRequest(ctx, settings, kind, `ai:${aiCacheKey(kind, body, scope)}`, modeOf(ctx, settings), cacheable(endpoint, body, settings));
  }

  #mark(status: 'HIT' | 'MISS' | 'BYPASS'): void {
    const ctx = this.#ctx;
    if (ctx.cacheStatus !== null) {
      // A hit that could not be replayed becomes a miss: one X-Gantry-Cache header, the last status.
      const extra = ctx.responseExtra ?? [];
      const kept: string[] = [];
      for (let i = 0; i + 1 < extra.length; i += 2) if (extra[i] !== 'x-gantry-cache') kept.push(extra[i], extra[i + 1]);
      ctx.responseExtra = kept.length === 0 ? null : kept;
    }
    ctx.cacheStatus = status;
    ctx.addResponseHeaders(['x-gantry-cache', status]);
  }

  /** The hit `lookup` gave could not be replayed: the provider is asked, and the answer stored again. */
  demote(): void {
    this.#mark('MISS');
  }

  #fresh(entry: CacheEntry | undefined): StoredAnswer | undefined {
    if (entry === undefined) return undefined;
    const answer = answerOf(entry, this.kind);
    // The TTL is checked on read as well: a policy's lowered TTL applies to entries already stored.
    return answer !== undefined && Date.now() - answer.storedAt < this.#settings.ttlMs ? answer : undefined;
  }

  /** Calls `then` with the stored answer (a hit) or undefined (call the provider). Never fails: a store that cannot answer is a miss. */
  lookup(then: (hit: StoredAnswer | undefined) => void): void {
    if (!this.#read) {
      this.#mark('BYPASS');
      then(undefined);
      return;
    }
    let got: CacheEntry | undefined | Promise<CacheEntry | undefined>;
    try {
      got = this.#settings.store.get(this.key);
    } catch {
      got = undefined;
    }
    if (got instanceof Promise) {
      got.then(
        (entry) => this.#afterGet(entry, then),
        () => this.#afterGet(undefined, then),
      );
    } else this.#afterGet(got, then);
  }

  #afterGet(entry: CacheEntry | undefined, then: (hit: StoredAnswer | undefined) => void): void {
    const answer = this.#fresh(entry);
    if (answer !== undefined) {
      this.#mark('HIT');
      then(answer);
      return;
    }
    const coalescer = this.#settings.coalescer;
    const res = this.#ctx.res;
    if (coalescer !== null && res !== null && !res.destroyed) {
      if (coalescer.isInFlight(this.key)) {
        // Another request is asking the provider this very question: wait for its answer.
        coalescer.run(this.key, () => Promise.resolve(undefined)).then(
          (shared) => {
            const a = this.#fresh(shared);
            this.#mark(a === undefined ? 'MISS' : 'HIT');
            then(a);
          },
          () => {
            this.#mark('MISS');
            then(undefined);
          },
        );
        return;
      }
      let release!: (entry: CacheEntry | undefined) => void;
      const shared = new Promise<CacheEntry | undefined>((resolve) => (release = resolve));
      void coalescer.run(this.key, () => shared);
      this.#release = release;
      // Whatever happens to this request, the waiters are let go when its response closes.
      res.once('close', () => this.#settle(undefined));
    }
    this.#mark('MISS');
    then(undefined);
  }

  #settle(entry: CacheEntry | undefined): void {
    const release = this.#release;
    if (release === null) return;
    this.#release = null;
    release(entry);
  }

  /** The exchange the call uses: `exchange` itself, or one that keeps the streamed events for the entry. */
  tee(exchange: Exchange): Exchange {
    return this.#write && exchange.stream ? new TeeExchange(exchange, this) : exchange;
  }

  /** A new streamed attempt: what an earlier one produced is not the answer. */
  resetStream(): void {
    this.#events = [];
    this.#eventBytes = 0;
    this.#overflow = false;
    this.#streamEnded = false;
  }

  keep(text: string): void {
    if (this.#overflow || text.length === 0) return;
    this.#eventBytes += text.length;
    if (this.#eventBytes > this.#settings.maxEntryBytes * FRAMING_FACTOR) {
      this.#overflow = true;
      this.#events = [];
      return;
    }
    this.#events.push(text);
  }

  streamEnded(): void {
    this.#streamEnded = true;
  }

  /** The call ended (`usage`: what it was accounted with): store its answer if it is a complete one. */
  complete(result: CallResult, usage: NormalizedUsage | null): void {
    let entry: CacheEntry | undefined;
    try {
      entry = this.#write ? this.#entryOf(result, usage) : undefined;
    } catch (err) {
      this.#ctx.gateway.logger.error({ err, requestId: this.#ctx.requestId }, 'AI cache: the answer could not be stored');
    }
    this.#events = [];
    this.#settle(entry);
    if (entry === undefined) return;
    try {
      const done = this.#settings.store.set(this.key, entry, this.#settings.ttlMs);
      if (done instanceof Promise) done.catch(() => undefined); // Redis down: not stored, nothing else
    } catch {
      // a store that cannot take it: not stored
    }
  }

  #entryOf(result: CallResult, usage: NormalizedUsage | null): CacheEntry | undefined {
    const ctx = this.#ctx;
    const served = result.served;
    if (served === null || usage === null || ctx.status !== 200 || ctx.errorCode !== null) return undefined;
    let parsed: unknown;
    let body: Buffer;
    if (result.body !== null) {
      body = typeof result.body === 'string' ? Buffer.from(result.body) : result.body;
      if (body.length > this.#settings.maxEntryBytes) return undefined;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return undefined;
      }
    } else {
      if (!this.#streamEnded || this.#overflow) return undefined;
      const text = this.#events.join('');
      if (this.kind === 'anthropic-messages') parsed = assembleAnthropicMessage(text);
      else {
        const res = assembleOpenAiChat(text);
        if (res !== null && res.usage == null) res.usage = openaiUsage(usage);
        parsed = res;
      }
      if (parsed === null) return undefined;
      body = Buffer.from(JSON.stringify(parsed));
      if (body.length > this.#settings.maxEntryBytes) return undefined;
    }
    if (unstorable(this.kind, parsed) !== null) return undefined;
    const t = served.target;
    const meta = { kind: this.kind, providerId: t.provider.id, providerKind: t.provider.kind, providerName: t.provider.name, model: t.model, catalogId: t.catalogId, usage };
    return answerEntry({ meta, body, storedAt: Date.now() }, this.#tags);
  }
}

/** Passes every call through; streamed events are also given to the cache request. */
class TeeExchange implements Exchange {
  readonly #inner: Exchange;
  readonly #cache: AiCacheRequest;

  constructor(inner: Exchange, cache: AiCacheRequest) {
    this.#inner = inner;
    this.#cache = cache;
  }

  get inbound(): Exchange['inbound'] {
    return this.#inner.inbound;
  }
  get endpoint(): ExchangeEndpoint {
    return this.#inner.endpoint;
  }
  get stream(): boolean {
    return this.#inner.stream;
  }
  get clientWantsUsage(): boolean {
    return this.#inner.clientWantsUsage;
  }

  call(target: ResolvedTarget): ProviderCall {
    return this.#inner.call(target);
  }

  respond(body: Buffer, target: ResolvedTarget): ClientBody {
    return this.#inner.respond(body, target);
  }

  openStream(target: ResolvedTarget, sink: StreamSink): StreamTranslator {
    this.#cache.resetStream();
    return this.#inner.openStream(target, new TeeSink(sink, this.#cache));
  }
}

class TeeSink implements StreamSink {
  readonly #sink: StreamSink;
  readonly #cache: AiCacheRequest;

  constructor(sink: StreamSink, cache: AiCacheRequest) {
    this.#sink = sink;
    this.#cache = cache;
  }

  write(text: string): void {
    this.#cache.keep(text);
    this.#sink.write(text);
  }

  finish(text: string): void {
    this.#cache.keep(text);
    this.#cache.streamEnded();
    this.#sink.finish(text);
  }

  fail(kind: 'provider' | 'interrupted', status: number, error: Parameters<StreamSink['fail']>[2], anthropicType?: string): void {
    this.#sink.fail(kind, status, error, anthropicType);
  }
}
