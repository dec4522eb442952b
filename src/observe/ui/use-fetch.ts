import { useEffect, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
}

/** Runs `load` whenever `deps` change; keeps the last answer of the latest call only. */
export function useFetch<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (err: unknown) => live && setState({ data: undefined, error: (err as Error).message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
