import { ErrorResult } from '../app/ErrorResult.tsx';

/** An address no route knows. */
export function NotFound() {
  return <ErrorResult />;
}
