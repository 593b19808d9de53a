import { useCallback, useRef, useState } from 'react';

/**
 * Makes a submit single-flight: while one call is running (validation included), further calls do nothing and
 * resolve at once. A double click on Save therefore sends one request, not two that race each other into a
 * duplicate record or a success next to a conflict. The guard is a ref, set synchronously on the first call, so
 * it holds even before React re-renders the button as loading; `busy` is for that loading state.
 *
 * const [submit, saving] = useSingleFlight(async () => { const v = await form.validateFields(); await save.mutateAsync(v); });
 * <Modal onOk={() => void submit()} confirmLoading={saving} />
 */
export function useSingleFlight<A extends unknown[], R>(fn: (...args: A) => Promise<R> | R): [(...args: A) => Promise<R | undefined>, boolean] {
  const running = useRef(false);
  const latest = useRef(fn);
  latest.current = fn;
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    try {
      return await latest.current(...args);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return [run, busy];
}
