import { PaperboyError, type ErrorCode, ErrorCodes } from '../../core/errors.ts';
import type { FormatName, RecordSource, RecordSourceOpener, SourceItem } from '../../ports/record-source.ts';
import { siblingModule, startModuleWorker } from '../worker-boot.ts';
import type { ToMain, ToWorker } from './source-worker.ts';

const WORKER = siblingModule(import.meta.url, 'source-worker');
const startWorker = (workerData: unknown) => startModuleWorker(WORKER, { workerData });

/**
 * Opens files like `fileSourceOpener`, but reads, parses and validates them in a worker thread, so
 * that on a 2-core machine parsing overlaps with the database writes of the consumer. The worker
 * stays at most `aheadBatches` batches ahead, and a batch holds at most `batchSize` items or about
 * `maxBatchChars` characters, so memory stays flat whatever the file and its records.
 */
export function createThreadedSourceOpener(options: { batchSize?: number; maxBatchChars?: number; aheadBatches?: number } = {}): RecordSourceOpener {
  const batchSize = options.batchSize ?? 1000;
  // Count alone does not bound memory: 1,000 records of 10,000 long author names are gigabytes.
  const maxBatchChars = options.maxBatchChars ?? 2_000_000;
  const ahead = options.aheadBatches ?? 2;
  return {
    async open(path, openOptions = {}): Promise<RecordSource> {
      const worker = startWorker({ path, format: openOptions.format, batchSize, maxBatchChars, credit: ahead });
      const queue: ToMain[] = [];
      let notify: (() => void) | null = null;
      let exited = false;
      const push = (message: ToMain) => {
        queue.push(message);
        notify?.();
        notify = null;
      };
      worker.on('message', push);
      worker.on('error', (error) => push({ type: 'error', message: error.message }));
      worker.on('exit', () => {
        exited = true;
        notify?.();
        notify = null;
      });
      const next = async (): Promise<ToMain> => {
        while (queue.length === 0) {
          if (exited) return { type: 'error', message: `the reader of ${path} stopped unexpectedly` };
          await new Promise<void>((resolve) => (notify = resolve));
        }
        return queue.shift()!;
      };
      const fail = (message: Extract<ToMain, { type: 'error' }>) => {
        const code = message.code && message.code in ErrorCodes ? (message.code as ErrorCode) : 'MALFORMED_INPUT';
        return new PaperboyError(code, message.message, { path });
      };

      const first = await next();
      if (first.type === 'error') {
        await worker.terminate();
        throw fail(first);
      }
      const format: FormatName = first.type === 'format' ? first.format : 'jsonl';
      let progress = { bytesRead: 0, totalBytes: 0 };

      async function* items(): AsyncGenerator<SourceItem> {
        try {
          for (;;) {
            const message = await next();
            if (message.type === 'batch') {
              progress = { bytesRead: message.bytesRead, totalBytes: message.totalBytes };
              worker.postMessage({ type: 'credit', batches: 1 } satisfies ToWorker);
              yield* message.items;
            } else if (message.type === 'end') {
              progress = { bytesRead: message.bytesRead, totalBytes: message.totalBytes };
              return;
            } else if (message.type === 'error') throw fail(message);
          }
        } finally {
          await worker.terminate();
        }
      }
      return { format, items: items(), progress: () => progress };
    },
  };
}
