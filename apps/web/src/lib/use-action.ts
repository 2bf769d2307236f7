import { type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

/** Runs an action, showing its error, and refreshes what it changed. */
export function useAction() {
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>, refresh: readonly QueryKey[] = []) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      for (const key of refresh) await qc.invalidateQueries({ queryKey: key });
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}
