/**
 * The little SQL layer the run store is written against, so one set of
 * queries serves SQLite and PostgreSQL. Queries use `?` placeholders (the
 * PostgreSQL engine numbers them) and only SQL both dialects speak
 * (ON CONFLICT upserts, RETURNING); what differs is in SqlDialect.
 */

export type SqlValue = string | number | null | Uint8Array;

export interface SqlSession {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Resolves with the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDialect {
  readonly engine: 'sqlite' | 'postgres';
  /** SQL expression: the database's clock, in milliseconds since 1970 (claims never trust a worker's clock). */
  readonly nowMs: string;
  /** SQL expression: the database's clock as ISO 8601 text with milliseconds, e.g. 2025-01-02T03:04:05.678Z. */
  readonly nowIso: string;
  /** Appended to the claim's sub-select: skip rows other transactions hold. */
  readonly skipLocked: string;
}

export interface SqlDatabase extends SqlSession {
  readonly dialect: SqlDialect;
  /** Runs `body` in one write transaction (IMMEDIATE on SQLite); rolls back when it throws. */
  transaction<T>(body: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?, ?, ?` for n values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
