import type { IndexableRow, PaperChange, PaperStore } from '../../ports/paper-store.ts';
import { changeCounter } from './change-counter.ts';
import type { SqliteDb } from './database.ts';

/** What the index reads of a paper; `p` is papers. The signals are the two the trending sort uses. */
export const INDEXABLE_SELECT = `SELECT seq, id, title, abstract, authors, categories, COALESCE(announced_at, SUBSTR(submitted_at, 1, 10)) AS date,
    deleted, last_changed_at, COALESCE(change_seq, seq) AS change_seq, COALESCE(text_seq, seq) AS text_seq, COALESCE(local_votes, 0) AS local_votes,
    (SELECT value FROM paper_signals s WHERE s.paper_seq = p.seq AND s.source = 'huggingface' AND s.name = 'upvotes') AS hf_upvotes,
    (SELECT value FROM paper_signals s WHERE s.paper_seq = p.seq AND s.source = 'github' AND s.name = 'stars') AS github_stars
  FROM papers p`;

export interface IndexableSqlRow {
  seq: number; id: string; title: string; abstract: string; authors: string; categories: string; date: string | null; deleted: number;
  last_changed_at: string; change_seq: number; text_seq: number; local_votes: number; hf_upvotes: string | null; github_stars: string | null;
}

export function toIndexableRow(r: IndexableSqlRow): IndexableRow {
  return {
    seq: r.seq, id: r.id, title: r.title, abstract: r.abstract, authors: JSON.parse(r.authors) as string[],
    categories: JSON.parse(r.categories) as string[], date: r.date, deleted: r.deleted === 1, lastChangedAt: r.last_changed_at,
    hfUpvotes: r.hf_upvotes === null ? null : Number(r.hf_upvotes) || 0,
    githubStars: r.github_stars === null ? null : Number(r.github_stars) || 0,
  };
}

const toChange = (r: IndexableSqlRow): PaperChange => ({ ...toIndexableRow(r), changeSeq: r.change_seq, textSeq: r.text_seq, localVotes: r.local_votes });

/** Most rows one call hands out, whatever limit the caller asks for (keeps one read bounded). */
const MAX_PAGE = 10_000;

function pageSize(limit: number, what: string): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${what}: limit must be a positive integer, got ${limit}`);
  return Math.min(limit, MAX_PAGE);
}

type FeedMethods = Pick<PaperStore, 'changesSince' | 'embeddingChangesSince' | 'lastChangeSeq' | 'readIndexed'>;

/**
 * The read side of the change feed (migration 8, change-counter.ts): papers and embeddings in the
 * order their changes committed. Each call is one statement, so a page is one consistent snapshot.
 */
export function createChangeFeed(db: SqliteDb): FeedMethods {
  const counter = changeCounter(db);
  // Rows not written since migration 8 have a NULL change_seq and count as changed at their seq;
  // the expressions are those of the migration's indexes (INDEXED BY: an error, not a scan, if not).
  const papersAfter = db.prepare(
    `${INDEXABLE_SELECT} INDEXED BY papers_change_seq WHERE COALESCE(p.change_seq, p.seq) > ? ORDER BY COALESCE(p.change_seq, p.seq), p.seq LIMIT ?`,
  );
  const embeddingsAfter = db.prepare(
    `SELECT paper_seq AS seq, COALESCE(change_seq, paper_seq) AS change_seq, vector FROM paper_embeddings INDEXED BY paper_embeddings_change_seq
      WHERE model = ? AND COALESCE(change_seq, paper_seq) > ? ORDER BY COALESCE(change_seq, paper_seq), paper_seq LIMIT ?`,
  );
  // One statement for any number of seqs (a JSON array parameter: no limit on bound variables).
  const bySeqs = db.prepare(`${INDEXABLE_SELECT} WHERE p.seq IN (SELECT value FROM json_each(?))`);

  return {
    async changesSince(afterChangeSeq, limit) {
      return (papersAfter.all(afterChangeSeq, pageSize(limit, 'changesSince')) as IndexableSqlRow[]).map(toChange);
    },
    async embeddingChangesSince(model, afterChangeSeq, limit) {
      const rows = embeddingsAfter.all(model, afterChangeSeq, pageSize(limit, 'embeddingChangesSince')) as { seq: number; change_seq: number; vector: Buffer }[];
      return rows.map((row) => {
        const vector = new Float32Array(row.vector.length / 4);
        new Uint8Array(vector.buffer).set(row.vector);
        return { seq: row.seq, changeSeq: row.change_seq, vector };
      });
    },
    async lastChangeSeq() {
      return counter.last();
    },
    async readIndexed(seqs) {
      const found = new Map<number, IndexableRow & { localVotes: number }>();
      if (seqs.length === 0) return found;
      for (const r of bySeqs.all(JSON.stringify(seqs)) as IndexableSqlRow[]) found.set(r.seq, { ...toIndexableRow(r), localVotes: r.local_votes });
      return found;
    },
  };
}
