import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

/** Loads data for a screen; the error stays visible until the next load succeeds. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** Runs what a button asks for, keeping whether it is under way and the error it ended with. */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      return await action();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { run, pending, error, clearError: () => setError(undefined) };
}

/**
 * The address's query, and a setter whose change shows at once. The router applies an address change in
 * a React transition: a select or checkbox bound to the address alone would snap back to its old value
 * until the transition renders (a flicker, or a click that seems lost on a busy machine).
 */
export function useAddressParams(): [URLSearchParams, (next: URLSearchParams | Record<string, string>) => void] {
  const [address, setAddress] = useSearchParams();
  const [pending, setPending] = useState<URLSearchParams | null>(null);
  const current = address.toString();
  // once the address holds it (or Back changed it), the address speaks again
  useEffect(() => setPending(null), [current]);
  const set = useCallback(
    (next: URLSearchParams | Record<string, string>) => {
      const params = new URLSearchParams(next);
      setPending(params);
      setAddress(params);
    },
    [setAddress],
  );
  return [pending ?? address, set];
}
