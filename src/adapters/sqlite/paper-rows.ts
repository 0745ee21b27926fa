import type { Paper, Signal, StoredPaper } from '../../core/paper.ts';
import { createHash } from 'node:crypto';
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
  title_key: number | null;
  first_seen_at: string;
  last_changed_at: string;
  /** Change feed (migration 8): NULL for a row not written since, whose change is then its seq. */
  change_seq: number | null;
  text_seq: number | null;
  local_votes: number | null;
}

export interface SignalRow {
  source: string;
  name: string;
  value: string;
  observed_at: string;
}

/** The indexed `title_key` of a title: 52 bits of the SHA-1 of its {@link titleKey} (a safe JS integer). */
export function titleKeyHash(title: string): number {
  return hashTitleKey(titleKey(title));
}

/** {@link titleKeyHash} of a title whose {@link titleKey} is already known. */
export function hashTitleKey(key: string): number {
  return parseInt(createHash('sha1').update(key).digest('hex').slice(0, 13), 16);
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
    paper.doi, paper.license, JSON.stringify(stored), paper.deleted ? 1 : 0, paper.source, titleKeyHash(paper.title),
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

/** The day a paper is filed under in the index: announcement, else first submission. */
const indexedDay = (paper: Paper): string | null => paper.announcedAt ?? paper.submittedAt?.slice(0, 10) ?? null;

/**
 * True when something the search index holds other than signals differs between two versions of a
 * paper (id, title, abstract, authors, categories, day, deleted): the paper's text_seq moves then.
 */
export function indexedTextChanged(before: Paper, after: Paper): boolean {
  return (
    before.id !== after.id || before.title !== after.title || before.abstract !== after.abstract || before.deleted !== after.deleted ||
    indexedDay(before) !== indexedDay(after) ||
    JSON.stringify(before.authors) !== JSON.stringify(after.authors) || JSON.stringify(before.categories) !== JSON.stringify(after.categories)
  );
}
