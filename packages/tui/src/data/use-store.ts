/**
 * The connection to the run database: opened (and retried while the file does
 * not exist), then polled for its change token. `version` moves only when the
 * token moves, so an idle dashboard re-reads nothing and never re-renders.
 */
import { useEffect, useState } from 'react';
import type { RunStoreReader } from '@rbm-lab/experiments';

export type OpenReader = () => RunStoreReader | null | Promise<RunStoreReader | null>;

export interface StoreConnection {
  reader: RunStoreReader | null;
  /** opening: first attempt not done; missing: no database file yet; open; failed: cannot be opened. */
  status: 'opening' | 'missing' | 'open' | 'failed';
  /** Why the database cannot be opened or read right now (it is retried). */
  error: string | null;
  /** Moves every time the change token moves. */
  version: number;
  changedAt: Date;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const INITIAL: StoreConnection = { reader: null, status: 'opening', error: null, version: 0, changedAt: new Date(0) };

export function useStore(openReader: OpenReader, pollMs: number): StoreConnection {
  const [connection, setConnection] = useState<StoreConnection>(INITIAL);
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let reader: RunStoreReader | null = null;
    let token: string | null = null;
    const update = (change: (c: StoreConnection) => StoreConnection) => {
      if (!stopped) setConnection(change);
    };
    const tick = async () => {
      try {
        if (reader === null) {
          const opened = await openReader();
          if (stopped) {
            await opened?.close();
            return;
          }
          reader = opened;
          token = reader === null ? null : await reader.changeToken();
          const status = reader === null ? 'missing' : 'open';
          update((c) =>
            c.status === status && c.error === null
              ? c
              : { reader, status, error: null, version: c.version + 1, changedAt: new Date() },
          );
        } else {
          const current = await reader.changeToken();
          const moved = current !== token;
          token = current;
          update((c) =>
            moved || c.error !== null
              ? { ...c, error: null, version: c.version + (moved ? 1 : 0), changedAt: moved ? new Date() : c.changedAt }
              : c,
          );
        }
      } catch (error) {
        const message = messageOf(error);
        update((c) =>
          c.error === message ? c : { ...c, status: reader === null ? 'failed' : c.status, error: message },
        );
      }
      if (!stopped) timer = setTimeout(tick, pollMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      void reader?.close();
    };
  }, [openReader, pollMs]);
  return connection;
}
