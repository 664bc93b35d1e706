/**
 * The shared engine: PostgreSQL through node-postgres, for workers on many
 * machines. The schema version lives in rbm_lab_meta; a database holding other
 * tables but no rbm_lab_meta is someone else's and is refused untouched.
 * Migrations take an advisory lock, so workers starting together migrate once.
 */
import pg from 'pg';
import { RunStoreError } from './errors.js';
import { migrationSql, SCHEMA_VERSION } from './migrations.js';
import type { SqlDatabase, SqlDialect, SqlSession, SqlValue } from './sql.js';

export const POSTGRES_DIALECT: SqlDialect = {
  engine: 'postgres',
  nowMs: `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`,
  nowIso: `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  skipLocked: ' FOR UPDATE SKIP LOCKED',
};

const INT8_OID = 20;
/** BIGINT columns hold milliseconds and counts well inside 2^53: read them as numbers, not strings. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};
const MIGRATION_LOCK = 0x52424d4c;

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** The URL without its password, for messages. */
export function redactPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** `?` placeholders -> `$1, $2, ...` (the queries contain no literal question marks). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function bind(params: readonly SqlValue[]): unknown[] {
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));
}

function sessionOf(client: pg.Pool | pg.PoolClient): SqlSession {
  return {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), bind(params))).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), bind(params))).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), bind(params))).rowCount ?? 0,
  };
}

class PostgresDatabase implements SqlDatabase {
  readonly dialect = POSTGRES_DIALECT;
  private readonly session: SqlSession;

  constructor(readonly pool: pg.Pool) {
    this.session = sessionOf(pool);
  }
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.session.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.session.get<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.session.run(sql, params);
  }
  async transaction<T>(body: (tx: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The server may end the session mid-transaction (idle-in-transaction timeout): the next query then fails.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await body(sessionOf(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection the server ended (or that fails to roll back) is discarded, not returned to the pool.
      await client.query('ROLLBACK').catch((rollback: Error) => {
        broken = rollback;
      });
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function schemaVersionOf(session: SqlSession): Promise<number | 'foreign' | 'empty'> {
  const tables = await session.all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
  );
  const names = new Set(tables.map((t) => t.name));
  if (!names.has('rbm_lab_meta')) return names.size === 0 ? 'empty' : 'foreign';
  const row = await session.get<{ value: string }>(`SELECT value FROM rbm_lab_meta WHERE key = 'schema_version'`);
  return row === undefined ? 0 : Number(row.value);
}

async function migrate(database: PostgresDatabase, where: string): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    const found = await schemaVersionOf(tx);
    if (found === 'foreign') throw foreignError(where);
    if (found === 'empty') {
      await tx.run('CREATE TABLE rbm_lab_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      await tx.run(`INSERT INTO rbm_lab_meta (key, value) VALUES ('application', 'rbm-lab'), ('schema_version', '0')`);
    }
    const from = typeof found === 'number' ? found : 0;
    if (from > SCHEMA_VERSION) throw newerError(where, from);
    for (let version = from; version < SCHEMA_VERSION; version++) {
      // A multi-statement migration goes through the simple query protocol (no parameters).
      await tx.run(migrationSql(version, 'postgres'));
      await tx.run(`UPDATE rbm_lab_meta SET value = ? WHERE key = 'schema_version'`, [String(version + 1)]);
    }
  });
}

function foreignError(where: string): RunStoreError {
  return new RunStoreError(
    `${where}: not an RBM Lab run database (it has tables but no rbm_lab_meta); nothing was changed in it`,
  );
}

function newerError(where: string, version: number): RunStoreError {
  return new RunStoreError(
    `${where}: database schema version ${version} is newer than this RBM Lab reads (${SCHEMA_VERSION}); upgrade RBM Lab`,
  );
}

/** Connects to (for writing: creates or migrates the schema of) the PostgreSQL database at `url`. */
export async function openPostgres(
  url: string,
  options: { readOnly: boolean; poolSize?: number },
): Promise<SqlDatabase> {
  const where = redactPostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    // A server that does not answer must not hang a command: fail after 10 s with the reason.
    connectionTimeoutMillis: 10_000,
    // A worker paused inside a transaction (SIGSTOP, a suspended machine) must not hold its row locks for
    // ever: the server ends such a session, and no statement waits more than 10 s for a lock.
    idle_in_transaction_session_timeout: 10_000,
    lock_timeout: 10_000,
    types: TYPES,
  });
  // An idle client losing its connection emits 'error' on the pool; the next query reports it instead.
  pool.on('error', () => undefined);
  const database = new PostgresDatabase(pool);
  try {
    const found = await schemaVersionOf(database);
    if (found === 'foreign') throw foreignError(where);
    if (typeof found === 'number' && found > SCHEMA_VERSION) throw newerError(where, found);
    if (options.readOnly) {
      if (found === 'empty') throw new RunStoreError(`${where}: no RBM Lab schema yet; submit a study first`);
      if (found < SCHEMA_VERSION) {
        throw new RunStoreError(
          `${where}: database schema version ${found} is older than ${SCHEMA_VERSION}; run any sweep (or submit) once to upgrade it`,
        );
      }
    } else if (found === 'empty' || found < SCHEMA_VERSION) {
      await migrate(database, where);
    }
    return database;
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof RunStoreError) throw error;
    throw new RunStoreError(`${where}: cannot open the run database (${(error as Error).message})`, { cause: error });
  }
}
