import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001_initial.js';
import { callLogs } from './0002_call_logs.js';
import { callTraceIds } from './0003_call_trace_ids.js';
import { callTeamTotals } from './0004_call_team_totals.js';
import { callSearchBuckets1s } from './0005_call_search_buckets_1s.js';
import { callSegments } from './0006_call_segments.js';

/**
 * Migrations live in code (not discovered on disk) so they ship inside the build and run the same
 * from source and from dist. Names sort in the order they apply; never rename or edit an applied one.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_call_logs': callLogs,
  '0003_call_trace_ids': callTraceIds,
  '0004_call_team_totals': callTeamTotals,
  '0005_call_search_buckets_1s': callSearchBuckets1s,
  '0006_call_segments': callSegments,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
