/**
 * The model estimate's worker thread: reads its sample of source records over a connection of its own and runs
 * EM on it (estimateModel), so the server's thread keeps answering requests meanwhile (200,000 records: ~10 s).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '../../db/database.ts';
import { toThreadError, type ThreadError } from '../../platform/errors.ts';
import type { MatchModel } from './integration.matching.ts';
import { estimateModel, type EstimateOptions, type Estimated } from './integration.estimate.ts';

export type EstimateWorkerInput = { url: string; base: MatchModel; opts: EstimateOptions };
export type EstimateWorkerMessage =
  | { type: 'done'; estimated: Estimated }
  /** An AppError (too few records) keeps its code, message and fields; anything else is a plain failure. */
  | ({ type: 'error' } & ThreadError);

const input = workerData as EstimateWorkerInput;
const { db } = createDb(input.url, 1);
try {
  parentPort!.postMessage({ type: 'done', estimated: await estimateModel(db, input.base, input.opts) } satisfies EstimateWorkerMessage);
} catch (err) {
  parentPort!.postMessage({ type: 'error', ...toThreadError(err) } satisfies EstimateWorkerMessage);
} finally {
  await db.destroy();
}
