/**
 * The loader's worker thread for big files: reads, parses and maps the file into batches (fileBatches, or
 * rangeBatches over the stretches of a CSV file given to it) and
 * posts them to the loader, at most AHEAD batches ahead of what the loader has committed, so the mapping of
 * the next batches runs on the other core while the database takes the last one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toThreadError, type ThreadError } from '../../platform/errors.ts';
import { fileBatches, MissingColumns, rangeBatches, type BatchOptions, type FileRange } from './interfaces.batches.ts';
import type { FileInfo } from './interfaces.readers.ts';

/** With `ranges` (a CSV file cut at its line breaks), this thread reads and maps only those; otherwise the whole file, mapping its share. */
export type WorkerInput = { path: string; info: Pick<FileInfo, 'format' | 'encoding' | 'header'>; delimiter: string; options: Omit<BatchOptions, 'header'>; ranges?: FileRange[] };
export type WorkerMessage =
  | { type: 'batch'; batch: import('./interfaces.batches.ts').RecordBatch }
  | { type: 'done' }
  /** An AppError (a bad file) keeps its code and message; missing columns come as their fields; anything else is a plain failure. */
  | ({ type: 'error'; missing?: MissingColumns['fields'] } & ThreadError);

export const AHEAD = 2;

const port = parentPort!;
const input = workerData as WorkerInput;
let credit = AHEAD;
let wake: (() => void) | null = null;
port.on('message', (m: { type: 'more' }) => {
  if (m.type === 'more') {
    credit++;
    wake?.();
  }
});

try {
  const batches = input.ranges
    ? rangeBatches(input.path, input.ranges, input.info, input.delimiter, input.options)
    : fileBatches(input.path, input.info, input.delimiter, input.options);
  for await (const batch of batches) {
    while (credit <= 0) await new Promise<void>((r) => { wake = r; });
    wake = null;
    credit--;
    port.postMessage({ type: 'batch', batch } satisfies WorkerMessage, [batch.data.buffer as ArrayBuffer]);
  }
  port.postMessage({ type: 'done' } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'error', ...toThreadError(err), missing: err instanceof MissingColumns ? err.fields : undefined } satisfies WorkerMessage);
}
