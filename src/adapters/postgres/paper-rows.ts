import type { Paper, PaperLinks, Signal, StoredPaper } from '../../core/paper.ts';
import { arxivLinks } from '../../core/paper-id.ts';
import type { IndexableRow, PaperChange } from '../../ports/paper-store.ts';

/** A row of `papers` as pg returns it (jsonb parsed, bigint as number). snake_case stops in this file. */
export interface PgPaperRow {
  seq: number;
  id: string;
  version: number | null;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  primary_category: string | null;
  submitted_at: string | null;
  updated_at: string | null;
  announced_at: string | null;
  comments: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  links: Record<string, string>;
  deleted: boolean;
  source: string;
  title_key: number | null;
  first_seen_at: string;
  last_changed_at: string;
  change_seq: number;
  text_seq: number;
  local_votes: number;
}

export interface PgSignalRow {
  paper_seq: number;
  source: string;
  name: string;
  value: Signal['value'];
  observed_at: string;
}

/** Links worth storing: those not derivable from the id (abs, pdf and html of arXiv papers are). */
export function storedLinks(paper: Paper): Record<string, string> {
  const derived = arxivLinks(paper.id);
  const stored: Record<string, string> = {};
  for (const [key, value] of Object.entries(paper.links)) {
    if (value && derived?.[key as keyof typeof derived] !== value) stored[key] = value;
  }
  return stored;
}

/** Signals in the order the store returns them: by source, then name (byte order). */
export function sortSignals(signals: readonly Signal[]): Signal[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...signals].sort((a, b) => cmp(a.source, b.source) || cmp(a.name, b.name));
}

/**
 * A paper exactly as reading it back would give it (stored links only, derived ones added, signals
 * in store order): what a later record of the same batch is merged with.
 */
export function asStored(paper: Paper, firstSeenAt: string, lastChangedAt: string): StoredPaper {
  return {
    id: paper.id, version: paper.version, title: paper.title, abstract: paper.abstract, authors: [...paper.authors],
    categories: [...paper.categories], primaryCategory: paper.primaryCategory, submittedAt: paper.submittedAt,
    updatedAt: paper.updatedAt, announcedAt: paper.announcedAt, comments: paper.comments, journalRef: paper.journalRef,
    doi: paper.doi, license: paper.license, links: { ...arxivLinks(paper.id), ...storedLinks(paper) } as PaperLinks,
    signals: sortSignals(paper.signals), deleted: paper.deleted, source: paper.source, firstSeenAt, lastChangedAt,
  };
}

export function rowToPaper(row: PgPaperRow, signals: readonly PgSignalRow[]): StoredPaper {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    abstract: row.abstract,
    authors: row.authors,
    categories: row.categories,
    primaryCategory: row.primary_category,
    submittedAt: row.submitted_at,
    updatedAt: row.updated_at,
    announcedAt: row.announced_at,
    comments: row.comments,
    journalRef: row.journal_ref,
    doi: row.doi,
    license: row.license,
    links: { ...arxivLinks(row.id), ...row.links },
    signals: signals.map((s): Signal => ({ source: s.source, name: s.name, value: s.value, observedAt: s.observed_at })),
    deleted: row.deleted,
    source: row.source,
    firstSeenAt: row.first_seen_at,
    lastChangedAt: row.last_changed_at,
  };
}

/** What the index reads of a paper; `p` is papers. The signals are the two the trending sort uses. */
export const PG_INDEXABLE_SELECT = `SELECT p.seq, p.id, p.title, p.abstract, p.authors, p.categories,
    COALESCE(p.announced_at, SUBSTR(p.submitted_at, 1, 10)) AS date, p.deleted, p.last_changed_at, p.change_seq, p.text_seq, p.local_votes,
    (SELECT value FROM paper_signals s WHERE s.paper_seq = p.seq AND s.source = 'huggingface' AND s.name = 'upvotes') AS hf_upvotes,
    (SELECT value FROM paper_signals s WHERE s.paper_seq = p.seq AND s.source = 'github' AND s.name = 'stars') AS github_stars
  FROM papers p`;

export interface PgIndexableRow {
  seq: number; id: string; title: string; abstract: string; authors: string[]; categories: string[]; date: string | null; deleted: boolean;
  last_changed_at: string; change_seq: number; text_seq: number; local_votes: number; hf_upvotes: unknown; github_stars: unknown;
}

/** A signal value as a count: null when absent, 0 when not a number (as in the SQLite store). */
const count = (value: unknown): number | null => (value === null || value === undefined ? null : typeof value === 'number' ? value || 0 : 0);

export function toIndexableRow(r: PgIndexableRow): IndexableRow {
  return {
    seq: r.seq, id: r.id, title: r.title, abstract: r.abstract, authors: r.authors, categories: r.categories, date: r.date,
    deleted: r.deleted, lastChangedAt: r.last_changed_at, hfUpvotes: count(r.hf_upvotes), githubStars: count(r.github_stars),
  };
}

export const toChange = (r: PgIndexableRow): PaperChange => ({ ...toIndexableRow(r), changeSeq: r.change_seq, textSeq: r.text_seq, localVotes: r.local_votes });
