/**
 * Worker thread behind {@link createThreadedSourceOpener}: reads, parses and validates one file and
 * posts the items in batches, never more than `credit` batches ahead of the consumer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { recordChars } from '../../core/record.ts';
import type { FormatName, SourceItem } from '../../ports/record-source.ts';
import { fileSourceOpener } from './open-source.ts';

export type ToMain =
  | { type: 'format'; format: FormatName }
  | { type: 'batch'; items: SourceItem[]; bytesRead: number; totalBytes: number }
  | { type: 'end'; bytesRead: number; totalBytes: number }
  | { type: 'error'; message: string; code?: string };

export type ToWorker = { type: 'credit'; batches: number };

const { path, format, batchSize, maxBatchChars, credit: initialCredit } = workerData as {
  path: string;
  format?: FormatName;
  batchSize: number;
  maxBatchChars: number;
  credit: number;
};
const port = parentPort!;
let credit = initialCredit;
let wake: (() => void) | null = null;
port.on('message', (message: ToWorker) => {
  credit += message.batches;
  wake?.();
  wake = null;
});
const post = (message: ToMain) => port.postMessage(message);

try {
  const source = await fileSourceOpener.open(path, format ? { format } : {});
  post({ type: 'format', format: source.format });
  let batch: SourceItem[] = [];
  let batchChars = 0;
  const send = async () => {
    while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    post({ type: 'batch', items: batch, ...source.progress() });
    batch = [];
    batchChars = 0;
  };
  for await (const item of source.items) {
    batch.push(item);
    batchChars += item.kind === 'record' ? recordChars(item.input) : 64 + item.reason.length;
    if (batch.length >= batchSize || batchChars >= maxBatchChars) await send();
  }
  if (batch.length > 0) await send();
  post({ type: 'end', ...source.progress() });
} catch (error) {
  post({ type: 'error', message: (error as Error).message, ...((error as { code?: string }).code ? { code: (error as { code: string }).code } : {}) });
}
port.close();
