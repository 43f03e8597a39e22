/**
 * The W3C trace id of each call (issue 5: traceparent propagated upstream). Nullable, not indexed:
 * it is shown with a call, not searched (an index would cost every insert).
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('call_logs').addColumn('trace_id', 'text').execute();
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('call_logs').dropColumn('trace_id').execute();
}

export const callTraceIds: Migration = { up, down };
