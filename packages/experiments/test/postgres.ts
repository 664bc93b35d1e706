/** A fresh PostgreSQL database per test file, on the server the global setup provides. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The server's URL, or '' when no server could start (PostgreSQL tests are then skipped). */
export const POSTGRES_URL = inject('postgresUrl');
export const HAS_POSTGRES = POSTGRES_URL !== '';

/** Creates an empty database and returns its URL. */
export async function freshPostgresDatabase(prefix = 'rbm'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
