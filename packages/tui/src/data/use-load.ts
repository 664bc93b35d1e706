/**
 * Loading what a screen shows: runs `load` against the reader when the screen's
 * subject changes (a new `load`) or the store's version moves. The previous
 * value stays on screen while a refresh of the same subject is under way, and
 * a result that arrives after its subject changed is dropped.
 */
import { useEffect, useMemo, useState } from 'react';
import type { RunStoreReader } from '@rbm-lab/experiments';
import type { StoreConnection } from './use-store.js';

export type Load<T> = (reader: RunStoreReader) => Promise<T>;

export interface Loaded<T> {
  value: T | undefined;
  error: string | null;
  /** False until the first result for the current subject arrived (keys that need the data wait for it). */
  ready: boolean;
}

interface Result<T> {
  load: Load<T>;
  /** The store version the value was read at. */
  version: number;
  value: T | undefined;
  error: string | null;
}

/** `load` null: the screen is not shown, nothing is read. */
export function useLoad<T>(store: StoreConnection, load: Load<T> | null): Loaded<T> {
  const [result, setResult] = useState<Result<T> | null>(null);
  const { reader, version } = store;
  useEffect(() => {
    if (reader === null || load === null) return;
    let current = true;
    load(reader).then(
      (value) => {
        if (current) setResult({ load, version, value, error: null });
      },
      (error: unknown) => {
        if (current) {
          const message = error instanceof Error ? error.message : String(error);
          setResult({ load, version, value: undefined, error: message });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [reader, load, version]);
  // One object per result, so what is computed from it can be memoised.
  return useMemo(() => {
    if (load === null || reader === null) return { value: undefined, error: null, ready: true };
    if (result === null || result.load !== load) return { value: undefined, error: null, ready: false };
    return { value: result.value, error: result.error, ready: true };
  }, [load, reader, result]);
}
