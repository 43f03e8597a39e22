/**
 * PostgreSQL for tests: `GANTRY_TEST_POSTGRES_URL` names a server and a database to connect to
 * (e.g. postgres://postgres@127.0.0.1:5432/test); each suite works in a database of its own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function postgresTestUrl(): string | undefined {
  const url = process.env.GANTRY_TEST_POSTGRES_URL?.trim();
  return url ? url : undefined;
}

async function run(baseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server of `baseUrl`; `drop()` removes it even with sessions open. */
export async function createTempDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gantry_test_${randomBytes(8).toString('hex')}`;
  await run(baseUrl, `CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => run(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
