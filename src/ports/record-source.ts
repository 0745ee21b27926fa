import type { PaperInput } from '../core/paper.ts';

/** Where a record came from, for reports: a line number (JSON Lines) or a record index (XML, JSON). */
export interface RecordRef {
  /** 1-based index of the record in its file or page. */
  record: number;
  /** 1-based line where the record starts, when known. */
  line?: number;
}

/** One item read from an input: a record ready to store, or the reason it was rejected. */
export type SourceItem =
  | { kind: 'record'; ref: RecordRef; input: PaperInput }
  | { kind: 'rejected'; ref: RecordRef; reason: string; id?: string };

export const FORMATS = ['jsonl', 'arxiv-snapshot', 'arxiv-atom', 'oai-pmh', 'hf-daily'] as const;
export type FormatName = (typeof FORMATS)[number];

/** An opened input file: its detected format, its items, and how far reading has got. */
export interface RecordSource {
  format: FormatName;
  items: AsyncIterable<SourceItem>;
  /** Bytes of the file read so far and its size, for progress and ETA. */
  progress(): { bytesRead: number; totalBytes: number };
}

/** Opens input files; the formats live in adapters. */
export interface RecordSourceOpener {
  open(path: string, options?: { format?: FormatName }): Promise<RecordSource>;
}
