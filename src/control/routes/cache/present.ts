import type { PurgeOutcome } from '../../../cluster/cache-purger.js';
import type { PurgeResult } from './schema.js';

export function presentPurge(kind: PurgeResult['purged'], outcome: PurgeOutcome): PurgeResult {
  return { purged: kind, removed: { this_node_memory: outcome.memory, redis: outcome.redis }, announced: outcome.announced };
}
