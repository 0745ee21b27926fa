import type { SourceItem } from './record-source.ts';

/** Which daily list to read: one day, an ISO week (2024-W03) or a month (2024-01). */
export type DailyPapersQuery = { date: string } | { week: string } | { month: string };

/** Hugging Face's daily papers (or anything of that shape): every item of a list, all pages. */
export interface DailyPapersSource {
  /** The list's items, each a record ready to store or a rejection naming the field. */
  list(query: DailyPapersQuery): Promise<SourceItem[]>;
}
