import { mergePaper, type MergeOutcome } from '../core/merge.ts';
import { recordChars } from '../core/record.ts';
import type { PaperInput } from '../core/paper.ts';
import type { Clock } from '../ports/clock.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { RecordRef, SourceItem } from '../ports/record-source.ts';

export type ItemOutcome = MergeOutcome | 'rejected';

/** What happened to one input record. */
export interface ItemReport {
  ref: RecordRef;
  id?: string;
  outcome: ItemOutcome;
  reason?: string;
}

export type OutcomeCounts = Record<ItemOutcome, number>;

export const emptyCounts = (): OutcomeCounts => ({ added: 0, updated: 0, unchanged: 0, deleted: 0, rejected: 0 });

export function addCounts(into: OutcomeCounts, from: OutcomeCounts): void {
  for (const key of Object.keys(into) as ItemOutcome[]) into[key] += from[key];
}

export interface IngestDeps {
  store: PaperStore;
  clock: Clock;
}

export interface IngestOptions {
  /** Records per transaction: a crash loses at most the batch in flight, which a rerun redoes. */
  batchSize?: number;
  /** A batch is also written once its records hold about this many characters (default 8 million). */
  maxBatchChars?: number;
  onItem?: (report: ItemReport) => void;
  /** Called after each committed batch. */
  onBatch?: (counts: OutcomeCounts) => void;
}

/**
 * Stores a stream of source items in batches, each batch one transaction, and reports every item's
 * outcome. Good records are kept whatever happens to bad ones; re-ingesting the same items changes
 * nothing (see core/merge.ts for the version rules).
 */
export async function ingestItems(deps: IngestDeps, items: AsyncIterable<SourceItem> | Iterable<SourceItem>, options: IngestOptions = {}): Promise<OutcomeCounts> {
  const batchSize = options.batchSize ?? 2000;
  const maxBatchChars = options.maxBatchChars ?? 8_000_000;
  const counts = emptyCounts();
  let batch: { ref: RecordRef; input: PaperInput }[] = [];
  let batchChars = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const now = new Date(deps.clock.now()).toISOString();
    const results = await deps.store.upsertPapers(
      batch.map((b) => b.input),
      (existing, input) => mergePaper(existing, input, now),
    );
    results.forEach((result, i) => {
      counts[result.outcome]++;
      options.onItem?.({ ref: batch[i]!.ref, id: result.id, outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}) });
    });
    batch = [];
    batchChars = 0;
    options.onBatch?.(counts);
  };

  for await (const item of items) {
    if (item.kind === 'rejected') {
      counts.rejected++;
      options.onItem?.({ ref: item.ref, outcome: 'rejected', reason: item.reason, ...(item.id ? { id: item.id } : {}) });
      continue;
    }
    batch.push({ ref: item.ref, input: item.input });
    batchChars += recordChars(item.input);
    if (batch.length >= batchSize || batchChars >= maxBatchChars) await flush();
  }
  await flush();
  return counts;
}
