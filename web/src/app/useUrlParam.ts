import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * One piece of page state (a tab, a filter) kept in the address as `?key=value`, so a reload keeps it and Back
 * returns to the state before. Each change is a new history entry unless `replace` is asked for (typing, say);
 * the default value is left out of the address.
 * const [tab, setTab] = useUrlParam('tab', 'members');
 */
export function useUrlParam<T extends string>(key: string, fallback: T): [T, (value: T, opts?: { replace?: boolean }) => void] {
  const [params, setParams] = useSearchParams();
  const value = (params.get(key) as T | null) ?? fallback;
  const set = useCallback((v: T, opts: { replace?: boolean } = {}) => {
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (v === fallback) next.delete(key);
      else next.set(key, v);
      return next;
    }, { replace: !!opts.replace });
  }, [key, fallback, setParams]);
  return [value, set];
}
