/**
 * Worker thread: generates the demo customers and turns each batch into COPY text, so that on a
 * two-core machine generation runs beside PostgreSQL's COPY instead of taking turns with it.
 * Stays at most AHEAD batches in front of the loader (it acknowledges each batch it takes).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { applyCatalogue, DEFAULT_LEVELS, generateCustomers, type GenerateCustomersOptions, type ProductRule } from '../../../engines/demo/index.ts';
import { COPY_ORDER, COPY_TARGETS, toCopyText } from './demo.repository.ts';

/** What the loader hands the worker: the generator's options, and the product catalogue its accounts must respect. */
export type DemoWorkerData = GenerateCustomersOptions & { products: readonly ProductRule[] };

export type WorkerMessage =
  | { type: 'batch'; done: number; accounts: number; balances: number; parts: Uint8Array[] }
  | { type: 'end' }
  | { type: 'error'; message: string };

const AHEAD = 2;
const port = parentPort!;
let credit = AHEAD;
let wake: (() => void) | null = null;
const onAck = () => {
  credit++;
  wake?.();
};
port.on('message', onAck);

const encoder = new TextEncoder();
const data = workerData as DemoWorkerData;
const catalogue = { seed: data.seed, asOf: data.asOf, products: data.products, levels: data.levels ?? DEFAULT_LEVELS };
let batchNo = 0;
try {
  for (const batch of generateCustomers(data)) {
    applyCatalogue(batch, ++batchNo, catalogue);
    const parts = COPY_ORDER.map((part) => encoder.encode(toCopyText(batch[part] as never[], COPY_TARGETS[part].columns as never)));
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    const message: WorkerMessage = { type: 'batch', done: batch.done, accounts: batch.accounts.length, balances: batch.balances.length, parts };
    port.postMessage(message, parts.map((p) => p.buffer as ArrayBuffer));
  }
  port.postMessage({ type: 'end' } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerMessage);
}
// Nothing left to wait for: the thread ends once its messages are out.
port.off('message', onAck);
