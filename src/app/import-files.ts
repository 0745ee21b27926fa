import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { FormatName, RecordSourceOpener } from '../ports/record-source.ts';
import { addCounts, emptyCounts, ingestItems, type ItemReport, type OutcomeCounts } from './ingest.ts';

export interface ImportDeps {
  store: PaperStore;
  sources: RecordSourceOpener;
  clock: Clock;
  logger: Logger;
}

export interface ImportProgress {
  file: string;
  format: FormatName;
  fileIndex: number;
  files: number;
  counts: OutcomeCounts;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportOptions {
  format?: FormatName;
  batchSize?: number;
  onItem?: (file: string, report: ItemReport) => void;
  onProgress?: (progress: ImportProgress) => void;
}

export interface FileReport {
  file: string;
  format: FormatName;
  counts: OutcomeCounts;
}

export interface ImportReport {
  files: FileReport[];
  counts: OutcomeCounts;
}

/** Imports files one after the other, streaming each; see {@link ingestItems} for the guarantees. */
export async function importFiles(deps: ImportDeps, paths: readonly string[], options: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = { files: [], counts: emptyCounts() };
  for (const [fileIndex, file] of paths.entries()) {
    const source = await deps.sources.open(file, options.format ? { format: options.format } : {});
    deps.logger.info('import.file.start', { file, format: source.format });
    const progress = (counts: OutcomeCounts) =>
      options.onProgress?.({ file, format: source.format, fileIndex, files: paths.length, counts, ...source.progress() });
    const counts = await ingestItems(deps, source.items, {
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onItem: (item) => options.onItem?.(file, item),
      onBatch: progress,
    });
    progress(counts);
    deps.logger.info('import.file.done', { file, format: source.format, ...counts });
    report.files.push({ file, format: source.format, counts });
    addCounts(report.counts, counts);
  }
  return report;
}
