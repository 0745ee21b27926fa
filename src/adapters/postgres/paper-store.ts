import { embeddingJobs } from '../embedding-jobs.ts';
import type { EmbeddingJob, HarvestCheckpoint, PaperStats, PaperStore } from '../../ports/paper-store.ts';
import { takeChangeCounter } from './change-counter.ts';
import { createPgChangeFeed, toVector } from './change-feed.ts';
import { openPool, withTransaction, type Pool } from './database.ts';
import { applyPaperBatch } from './paper-batch.ts';
import { PG_INDEXABLE_SELECT, rowToPaper, toIndexableRow, type PgIndexableRow, type PgPaperRow, type PgSignalRow } from './paper-rows.ts';

/** Rows per page of a scan (a page is one query; nothing stays open between pages). */
const SCAN_PAGE = 1000;
/** Papers per page of the embedding check (keys only). */
const NEEDED_PAGE = 4096;
/** The day a paper is newest by. */
const NEWEST = 'COALESCE(p.announced_at, p.submitted_at, p.first_seen_at)';

/** Opens a pool on `url`, migrates, and returns the PostgreSQL paper store over it (closing it closes the pool). */
export async function openPostgresPaperStore(url: string, deps: { now?: () => string; max?: number } = {}): Promise<PaperStore & { pool: Pool }> {
  const pool = await openPool(url, { ...(deps.max ? { max: deps.max } : {}), ...(deps.now ? { now: deps.now } : {}) });
  return createPostgresPaperStore(pool, deps);
}

/** The PostgreSQL implementation of {@link PaperStore} on a migrated pool (see database.ts). */
export function createPostgresPaperStore(pool: Pool, deps: { now?: () => string } = {}): PaperStore & { pool: Pool } {
  const now = deps.now ?? (() => new Date().toISOString());
  let closed = false;

  return {
    pool,
    ...createPgChangeFeed(pool),
    upsertPapers(inputs, merge) {
      return withTransaction(pool, (client) => applyPaperBatch(client, inputs, merge, now));
    },
    async getPaper(id) {
      const { rows } = await pool.query<PgPaperRow>({ name: 'paper-by-id', text: 'SELECT * FROM papers WHERE id = $1', values: [id] });
      const row = rows[0];
      if (!row) return null;
      const signals = await pool.query<PgSignalRow>({
        name: 'paper-signals',
        text: 'SELECT paper_seq, source, name, value, observed_at FROM paper_signals WHERE paper_seq = $1 ORDER BY source COLLATE "C", name COLLATE "C"',
        values: [row.seq],
      });
      return rowToPaper(row, signals.rows);
    },
    async countPapers() {
      const { rows } = await pool.query<{ n: number }>({ name: 'paper-count', text: 'SELECT COUNT(*) AS n FROM papers WHERE NOT deleted' });
      return rows[0]?.n ?? 0;
    },
    async stats(): Promise<PaperStats> {
      const totals = await pool.query<{ papers: number; deleted: number }>(
        'SELECT COUNT(*) FILTER (WHERE NOT deleted) AS papers, COUNT(*) FILTER (WHERE deleted) AS deleted FROM papers',
      );
      const byCategory = await pool.query<{ category: string; papers: number }>(
        `SELECT c.category, COUNT(*) AS papers FROM paper_categories c JOIN papers p ON p.seq = c.paper_seq
          WHERE NOT p.deleted GROUP BY c.category ORDER BY papers DESC, c.category COLLATE "C"`,
      );
      const byPrimaryCategory = await pool.query<{ category: string; papers: number }>(
        `SELECT COALESCE(primary_category, 'unknown') AS category, COUNT(*) AS papers FROM papers WHERE NOT deleted
          GROUP BY 1 ORDER BY papers DESC, COALESCE(primary_category, 'unknown') COLLATE "C"`,
      );
      const byMonth = await pool.query<{ month: string; papers: number }>(
        `SELECT COALESCE(SUBSTR(COALESCE(announced_at, submitted_at), 1, 7), 'unknown') AS month, COUNT(*) AS papers
          FROM papers WHERE NOT deleted GROUP BY 1 ORDER BY COALESCE(SUBSTR(COALESCE(announced_at, submitted_at), 1, 7), 'unknown') COLLATE "C"`,
      );
      return {
        papers: totals.rows[0]?.papers ?? 0,
        deleted: totals.rows[0]?.deleted ?? 0,
        byCategory: byCategory.rows,
        byPrimaryCategory: byPrimaryCategory.rows,
        byMonth: byMonth.rows,
      };
    },
    async getCheckpoint(key) {
      const { rows } = await pool.query<{
        key: string; window_from: string | null; window_until: string | null; window_started_on: string | null;
        resumption_token: string | null; cursor: number; harvested_through: string | null; updated_at: string;
      }>({ name: 'checkpoint-get', text: 'SELECT * FROM harvest_checkpoints WHERE key = $1', values: [key] });
      const row = rows[0];
      if (!row) return null;
      return {
        key: row.key, windowFrom: row.window_from, windowUntil: row.window_until, windowStartedOn: row.window_started_on,
        resumptionToken: row.resumption_token, cursor: row.cursor, harvestedThrough: row.harvested_through, updatedAt: row.updated_at,
      };
    },
    async saveCheckpoint(c: HarvestCheckpoint) {
      await pool.query({
        name: 'checkpoint-save',
        text: `INSERT INTO harvest_checkpoints (key, window_from, window_until, window_started_on, resumption_token, cursor, harvested_through, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
          ON CONFLICT (key) DO UPDATE SET window_from = excluded.window_from, window_until = excluded.window_until,
            window_started_on = excluded.window_started_on, resumption_token = excluded.resumption_token, cursor = excluded.cursor,
            harvested_through = excluded.harvested_through, updated_at = excluded.updated_at`,
        values: [c.key, c.windowFrom, c.windowUntil, c.windowStartedOn, c.resumptionToken, c.cursor, c.harvestedThrough, c.updatedAt],
      });
    },
    async *scanIndexable(changedAfter, skip) {
      for (let after = 0; ;) {
        // Keys first, whole rows only for those the caller does not skip (an idle refresh reads keys).
        const keys = await pool.query<{ seq: number; last_changed_at: string }>({
          name: changedAfter ? 'scan-keys-changed' : 'scan-keys',
          text: `SELECT seq, last_changed_at FROM papers WHERE seq > $1 ${changedAfter ? 'AND last_changed_at >= $3' : ''} ORDER BY seq LIMIT $2`,
          values: changedAfter ? [after, SCAN_PAGE, changedAfter] : [after, SCAN_PAGE],
        });
        const wanted = keys.rows.filter((k) => !skip?.(k.seq, k.last_changed_at)).map((k) => k.seq);
        if (wanted.length > 0) {
          const { rows } = await pool.query<PgIndexableRow>({
            name: 'scan-rows',
            text: `${PG_INDEXABLE_SELECT} WHERE p.seq = ANY($1::bigint[]) ORDER BY p.seq`,
            values: [wanted],
          });
          for (const r of rows) yield toIndexableRow(r);
        }
        if (keys.rows.length < SCAN_PAGE) return;
        after = keys.rows[keys.rows.length - 1]!.seq;
      }
    },
    async embeddingsNeeded(model, textOf, limit = Infinity) {
      // Candidates: live papers without an embedding for the model, or changed since it was made.
      // Newest first (announcement, submission, first seen), keys only, a page at a time (PostgreSQL
      // hashes the join and sorts: a few hundred ms at 20,000 unembedded papers on the test cluster); texts are read and hashed only for the candidates that may become jobs (an
      // unchanged text is none), so past `limit` `remaining` counts candidates: an upper bound, as
      // in the SQLite store.
      type Key = { seq: number; k: string };
      const jobs: EmbeddingJob[] = [];
      let remaining = 0;
      let cursor: [string, number] | null = null;
      for (;;) {
        const keys: Key[] = (await pool.query<Key>({
          name: cursor ? 'embeddings-needed-next' : 'embeddings-needed-first',
          text: `SELECT p.seq, ${NEWEST} AS k
            FROM papers p LEFT JOIN paper_embeddings e ON e.paper_seq = p.seq AND e.model = $1
            WHERE NOT p.deleted AND (e.paper_seq IS NULL OR p.last_changed_at >= e.embedded_at)
            ${cursor ? `AND (${NEWEST} COLLATE "C", p.seq) < ($3::text COLLATE "C", $4::bigint)` : ''}
            ORDER BY ${NEWEST} COLLATE "C" DESC, p.seq DESC LIMIT $2`,
          values: cursor ? [model, NEEDED_PAGE, ...cursor] : [model, NEEDED_PAGE],
        })).rows;
        const toRead = keys.slice(0, Math.max(0, Math.min(keys.length, limit - jobs.length)));
        remaining += keys.length - toRead.length;
        if (toRead.length > 0) {
          const { rows } = await pool.query<{ seq: number; title: string; abstract: string; hash: string | null }>({
            name: 'embeddings-needed-texts',
            text: `SELECT p.seq, p.title, p.abstract, e.text_hash AS hash FROM papers p
              LEFT JOIN paper_embeddings e ON e.paper_seq = p.seq AND e.model = $1 WHERE p.seq = ANY($2::bigint[])`,
            values: [model, toRead.map((key) => key.seq)],
          });
          const texts = new Map(rows.map((row) => [row.seq, row]));
          const found = embeddingJobs(toRead.map((r) => r.seq), texts, textOf);
          remaining += found.length;
          jobs.push(...found);
        }
        if (keys.length < NEEDED_PAGE) return { jobs, remaining };
        const last: Key = keys[keys.length - 1]!;
        cursor = [last.k, last.seq];
      }
    },
    async saveEmbeddings(model, items) {
      if (items.length === 0) return;
      await withTransaction(pool, async (client) => {
        // The stamp and the change_seqs are taken once the counter is held (see change-counter.ts).
        const counter = await takeChangeCounter(client);
        const stamp = now();
        // One row per paper: a paper listed twice keeps its last vector (one statement cannot write a row twice).
        const last = new Map(items.map((item) => [item.seq, { ...item, changeSeq: counter.next() }]));
        const rows = [...last.values()];
        await client.query({
          name: 'embeddings-save',
          text: `INSERT INTO paper_embeddings (paper_seq, model, text_hash, vector, embedded_at, change_seq)
            SELECT u.seq, $1, u.hash, u.vector, $2, u.change_seq FROM unnest($3::bigint[], $4::text[], $5::bytea[], $6::bigint[]) AS u(seq, hash, vector, change_seq)
            ON CONFLICT (paper_seq, model) DO UPDATE SET text_hash = excluded.text_hash, vector = excluded.vector,
              embedded_at = excluded.embedded_at, change_seq = excluded.change_seq`,
          values: [
            model, stamp, rows.map((r) => r.seq), rows.map((r) => r.textHash),
            rows.map((r) => Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength)), rows.map((r) => r.changeSeq),
          ],
        });
        await counter.store();
      });
    },
    async *scanEmbeddings(model, changedAfter, skip) {
      for (let after = 0; ;) {
        const keys = await pool.query<{ seq: number; embedded_at: string }>({
          name: changedAfter ? 'scan-embedding-keys-changed' : 'scan-embedding-keys',
          text: `SELECT paper_seq AS seq, embedded_at FROM paper_embeddings WHERE model = $1 AND paper_seq > $2
            ${changedAfter ? 'AND embedded_at >= $4' : ''} ORDER BY paper_seq LIMIT $3`,
          values: changedAfter ? [model, after, SCAN_PAGE, changedAfter] : [model, after, SCAN_PAGE],
        });
        const wanted = keys.rows.filter((k) => !skip?.(k.seq, k.embedded_at)).map((k) => k.seq);
        if (wanted.length > 0) {
          const { rows } = await pool.query<{ seq: number; vector: Buffer; embedded_at: string }>({
            name: 'scan-embedding-rows',
            text: 'SELECT paper_seq AS seq, vector, embedded_at FROM paper_embeddings WHERE model = $1 AND paper_seq = ANY($2::bigint[]) ORDER BY paper_seq',
            values: [model, wanted],
          });
          for (const row of rows) yield { seq: row.seq, vector: toVector(row.vector), embeddedAt: row.embedded_at };
        }
        if (keys.rows.length < SCAN_PAGE) return;
        after = keys.rows[keys.rows.length - 1]!.seq;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
