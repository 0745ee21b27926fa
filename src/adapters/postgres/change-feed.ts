import type { IndexableRow, PaperStore } from '../../ports/paper-store.ts';
import type { Pool } from './database.ts';
import { PG_INDEXABLE_SELECT, toChange, toIndexableRow, type PgIndexableRow } from './paper-rows.ts';

/** Most rows one call hands out, whatever limit the caller asks for (as the SQLite store). */
const MAX_PAGE = 10_000;

function pageSize(limit: number, what: string): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${what}: limit must be a positive integer, got ${limit}`);
  return Math.min(limit, MAX_PAGE);
}

type FeedMethods = Pick<PaperStore, 'changesSince' | 'embeddingChangesSince' | 'lastChangeSeq' | 'storeId' | 'readIndexed'>;

/** A float32 vector from a bytea (copied: the Buffer may be a view into a pooled allocation). */
export function toVector(bytes: Buffer): Float32Array {
  const vector = new Float32Array(bytes.length / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

/**
 * The read side of the change feed (change-counter.ts): papers and embeddings in the order their
 * changes committed. Each call is one statement, so a page is one consistent snapshot.
 */
export function createPgChangeFeed(pool: Pool): FeedMethods {
  return {
    async changesSince(afterChangeSeq, limit) {
      const { rows } = await pool.query<PgIndexableRow>({
        name: 'feed-papers-after',
        text: `${PG_INDEXABLE_SELECT} WHERE p.change_seq > $1 ORDER BY p.change_seq, p.seq LIMIT $2`,
        values: [afterChangeSeq, pageSize(limit, 'changesSince')],
      });
      return rows.map(toChange);
    },
    async embeddingChangesSince(model, afterChangeSeq, limit) {
      const { rows } = await pool.query<{ seq: number; change_seq: number; vector: Buffer }>({
        name: 'feed-embeddings-after',
        text: `SELECT paper_seq AS seq, change_seq, vector FROM paper_embeddings WHERE model = $1 AND change_seq > $2
          ORDER BY change_seq, paper_seq LIMIT $3`,
        values: [model, afterChangeSeq, pageSize(limit, 'embeddingChangesSince')],
      });
      return rows.map((row) => ({ seq: row.seq, changeSeq: row.change_seq, vector: toVector(row.vector) }));
    },
    async lastChangeSeq() {
      const { rows } = await pool.query<{ last_seq: number }>({ name: 'feed-last', text: 'SELECT last_seq FROM change_counter WHERE id = 1' });
      return rows[0]?.last_seq ?? 0;
    },
    async storeId() {
      const { rows } = await pool.query<{ store_id: string }>({ name: 'feed-store-id', text: 'SELECT store_id FROM change_counter WHERE id = 1' });
      return rows[0]!.store_id;
    },
    async readIndexed(seqs) {
      const found = new Map<number, IndexableRow & { localVotes: number }>();
      if (seqs.length === 0) return found;
      const { rows } = await pool.query<PgIndexableRow>({
        name: 'feed-read-indexed',
        text: `${PG_INDEXABLE_SELECT} WHERE p.seq = ANY($1::bigint[])`,
        values: [[...seqs]],
      });
      for (const r of rows) found.set(r.seq, { ...toIndexableRow(r), localVotes: r.local_votes });
      return found;
    },
  };
}
