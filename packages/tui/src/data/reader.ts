/**
 * Opening the run database for the dashboard: read-only, through the store's
 * asynchronous RunStoreReader, by file path (SQLite) or postgres:// URL.
 */
import { existsSync } from 'node:fs';
import { isPostgresUrl, openRunStoreReader, type RunStoreReader } from '@rbm-lab/experiments';

/**
 * Opens the run database read-only, or null while its file does not exist
 * (the dashboard keeps looking). A PostgreSQL URL is always opened: a server
 * that cannot be reached rejects, and the dashboard retries.
 */
export function openDatabaseReader(location: string): Promise<RunStoreReader> | null {
  return isPostgresUrl(location) || existsSync(location) ? openRunStoreReader(location) : null;
}
