/**
 * The node's Prometheus metrics (docs/metrics.md): request and AI metrics counted from the
 * diagnostics channels the hot path publishes on, node state read at scrape time, and prom-client's
 * default process metrics. `render()` is what `GET /metrics` answers.
 *
 * The channels are process-wide: a process running several nodes (tests, embedders) counts every
 * node's calls in each of them. `gantry start` runs one node per process.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AI_CALL_CHANNEL } from '../../ai/events.js';
import type { ConfigData } from '../../core/model.js';
import { CALL_CHANNEL } from '../../gateway/events.js';
import { AiMetrics } from './ai-metrics.js';
import { CallMetrics } from './call-metrics.js';
import { CONTENT_TYPE, renderFamilies, type Family } from './families.js';
import { ConfigNames } from './names.js';
import { nodeStateFamilies, type ConfigClock, type NodeSources } from './node-state.js';

export { checkMetricsToken, listenMetrics, type MetricsListener } from './endpoint.js';
export type { CallLoggingStats, NodeSources } from './node-state.js';

/** Process metrics (CPU, memory, event loop, GC) are the process's, not a node's: collected once. */
let processRegistry: Registry | null = null;

function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class GantryMetrics {
  readonly contentType = CONTENT_TYPE;
  readonly #families: Family[];
  readonly #names = new ConfigNames();
  readonly #clock: ConfigClock = { appliedAt: 0 };
  readonly #calls = new CallMetrics(this.#names);
  readonly #ai = new AiMetrics(this.#names);
  #subscribed = false;

  constructor(sources: NodeSources) {
    this.#families = [...this.#calls.families(), ...this.#ai.families(), ...nodeStateFamilies(sources, this.#names, this.#clock)];
    processMetrics();
    diagnostics_channel.subscribe(CALL_CHANNEL, this.#calls.onCall);
    diagnostics_channel.subscribe(AI_CALL_CHANNEL, this.#ai.onAiCall);
    this.#subscribed = true;
  }

  /** Call right after the data plane applied `data`: labels follow renames, the snapshot age restarts. */
  configApplied(data: ConfigData): void {
    this.#names.update(data);
    this.#clock.appliedAt = Date.now();
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async render(): Promise<string> {
    return renderFamilies(this.#families) + spellNaN(await processMetrics().metrics());
  }

  close(): void {
    if (!this.#subscribed) return;
    this.#subscribed = false;
    diagnostics_channel.unsubscribe(CALL_CHANNEL, this.#calls.onCall);
    diagnostics_channel.unsubscribe(AI_CALL_CHANNEL, this.#ai.onAiCall);
  }
}

/**
 * prom-client writes a NaN sample (the event-loop lag before its first measurement) as `Nan`; the
 * text format spells it `NaN`, and strict scrapers reject anything else.
 */
export function spellNaN(text: string): string {
  return text.replace(/ Nan$/gm, ' NaN');
}
