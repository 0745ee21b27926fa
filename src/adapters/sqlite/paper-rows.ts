import type { Paper, Signal, StoredPaper } from '../../core/paper.ts';
import { arxivLinks } from '../../core/paper-id.ts';
import { titleKey } from '../../core/title-key.ts';

/** A row of `papers` as SQLite returns it. snake_case stops here: this file is the one mapping place. */
export interface PaperRow {
  seq: number;
  id: string;
  version: number | null;
  title: string;
  abstract: string;
  authors: string;
  categories: string;
  primary_category: string | null;
  submitted_at: string | null;
  updated_at: string | null;
  announced_at: string | null;
  comments: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  links: string;
  deleted: number;
  source: string;
  title_key: string | null;
  first_seen_at: string;
  last_changed_at: string;
}

export interface SignalRow {
  source: string;
  name: string;
  value: string;
  observed_at: string;
}

/** The columns written for a paper, in the order of the INSERT statement. */
export function paperParams(paper: Paper): unknown[] {
  // Links derivable from the id are not stored.
  const derived = arxivLinks(paper.id);
  const stored: Record<string, string> = {};
  for (const [key, value] of Object.entries(paper.links)) {
    if (value && derived?.[key as keyof typeof derived] !== value) stored[key] = value;
  }
  return [
    paper.id, paper.version, paper.title, paper.abstract, JSON.stringify(paper.authors), JSON.stringify(paper.categories),
    paper.primaryCategory, paper.submittedAt, paper.updatedAt, paper.announcedAt, paper.comments, paper.journalRef,
    paper.doi, paper.license, JSON.stringify(stored), paper.deleted ? 1 : 0, paper.source, titleKey(paper.title),
  ];
}

export function rowToPaper(row: PaperRow, signals: SignalRow[]): StoredPaper {
  const stored = JSON.parse(row.links) as Paper['links'];
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    abstract: row.abstract,
    authors: JSON.parse(row.authors) as string[],
    categories: JSON.parse(row.categories) as string[],
    primaryCategory: row.primary_category,
    submittedAt: row.submitted_at,
    updatedAt: row.updated_at,
    announcedAt: row.announced_at,
    comments: row.comments,
    journalRef: row.journal_ref,
    doi: row.doi,
    license: row.license,
    links: { ...arxivLinks(row.id), ...stored },
    signals: signals.map(
      (s): Signal => ({ source: s.source, name: s.name, value: JSON.parse(s.value) as Signal['value'], observedAt: s.observed_at }),
    ),
    deleted: row.deleted === 1,
    source: row.source,
    firstSeenAt: row.first_seen_at,
    lastChangedAt: row.last_changed_at,
  };
}
