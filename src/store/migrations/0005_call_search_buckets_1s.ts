/**
 * The request-id and path indexes of `call_logs` keyed by 1-second time buckets instead of 10-second
 * ones (issue 5: ingest at 20 000 records/s).
 *
 * Request ids (random UUIDs) and paths land at random places inside their bucket. At 20 000 calls/s
 * a 10-second bucket holds 200 000 entries, some 2 500 index pages, and a batch of 5 000 records
 * dirtied most of them in each of the two indexes: over a third of the pages a batch wrote to the
 * WAL, and ~20% of the writer's CPU per record in interleaved runs on a 1M-record database
 * (bench notes in the commit). A 1-second bucket is a tenth of that. Searches probe ten times as
 * many buckets (repos/call-logs.ts must use the same expression, `time / 1000`).
 *
 * The indexes are dropped and rebuilt: on a populated database this reads the table once per index.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function rebuild(db: Kysely<unknown>, bucketMs: number): Promise<void> {
  for (const [name, column] of [
    ['call_logs_request_idx', 'request_id'],
    ['call_logs_path_idx', 'path'],
  ] as const) {
    await db.schema.dropIndex(name).execute();
    await db.schema
      .createIndex(name)
      .on('call_logs')
      .expression(sql`(time / ${sql.lit(bucketMs)}), ${sql.ref(column)}`)
      .execute();
  }
}

async function up(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, 1000);
}

async function down(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, 10_000);
}

export const callSearchBuckets1s: Migration = { up, down };
