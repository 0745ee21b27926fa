import type { Paper, PaperInput, StoredPaper } from '../../core/paper.ts';
import { embeddingJobs } from '../embedding-jobs.ts';
import { isArxivId } from '../../core/paper-id.ts';
import { titleKey } from '../../core/title-key.ts';
import type { EmbeddingJob, HarvestCheckpoint, MergeFn, PaperStats, PaperStore, UpsertResult } from '../../ports/paper-store.ts';
import { openDatabase, type SqliteDb } from './database.ts';
import { changeCounter } from './change-counter.ts';
import { createChangeFeed, INDEXABLE_SELECT, toIndexableRow, type IndexableSqlRow } from './change-feed.ts';
import { indexedTextChanged, paperParams, rowToPaper, titleKeyHash, type PaperRow, type SignalRow } from './paper-rows.ts';

const PAPER_COLUMNS =
  'id, version, title, abstract, authors, categories, primary_category, submitted_at, updated_at, announced_at, ' +
  'comments, journal_ref, doi, license, links, deleted, source, title_key';
const isUnidentified = (id: string) => id.startsWith('content:');

/** The SQLite implementation of {@link PaperStore}. */
/** Rows per page of a full scan (no statement stays open between pages). */
const SCAN_PAGE = 1000;
/** Papers looked at per step of the embedding queue (one step blocks the event loop for a few ms). */
const NEWEST_PAGE = 4096;

export function createSqlitePaperStore(file: string, deps: { now?: () => string } = {}): PaperStore & { db: SqliteDb } {
  const now = deps.now ?? (() => new Date().toISOString());
  const db = openDatabase(file, { now });
  fillTitleKeys(db);

  const selectPaper = db.prepare('SELECT * FROM papers WHERE id = ?');
  const selectSignals = db.prepare('SELECT source, name, value, observed_at FROM paper_signals WHERE paper_seq = ? ORDER BY source, name');
  const insertPaper = db.prepare(
    `INSERT INTO papers (${PAPER_COLUMNS}, first_seen_at, last_changed_at, change_seq, text_seq) VALUES (${'?, '.repeat(18)}?, ?, ?, ?)`,
  );
  const updatePaper = db.prepare(
    `UPDATE papers SET (${PAPER_COLUMNS}, last_changed_at, change_seq, text_seq) = (${'?, '.repeat(18)}?, ?, ?) WHERE seq = ?`,
  );
  const recountVotes = db.prepare('UPDATE papers SET local_votes = (SELECT COUNT(*) FROM votes WHERE paper_id = papers.id) WHERE seq = ?');
  const counter = changeCounter(db);
  const deleteCategories = db.prepare('DELETE FROM paper_categories WHERE paper_seq = ?');
  const insertCategory = db.prepare('INSERT INTO paper_categories (paper_seq, category, position) VALUES (?, ?, ?)');
  const upsertSignal = db.prepare(
    'INSERT INTO paper_signals (paper_seq, source, name, value, observed_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (paper_seq, source, name) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at',
  );

  // A record without an id (content:hash) and an arXiv paper with the same title key are one paper,
  // whichever was stored first; core/merge.ts decides which fields win.
  const selectArxivTwins = db.prepare("SELECT * FROM papers WHERE title_key = ? AND deleted = 0 AND instr(id, ':') = 0 ORDER BY seq");
  const selectUnidentifiedTwins = db.prepare("SELECT * FROM papers WHERE title_key = ? AND id >= 'content:' AND id < 'content;' ORDER BY seq");
  const anyUnidentified = db.prepare("SELECT 1 FROM papers WHERE id >= 'content:' AND id < 'content;' LIMIT 1");
  // Account rows follow a paper whose id changes (votes, library and hidden refer to papers.id).
  const renames = ['votes', 'library', 'hidden_papers', 'my_papers', 'digest_papers_sent'].map((table) => db.prepare(`UPDATE OR IGNORE ${table} SET paper_id = ? WHERE paper_id = ?`));

  type Loaded = { seq: number; textSeq: number; paper: StoredPaper };
  function fromRow(row: PaperRow | undefined): Loaded | undefined {
    if (!row) return undefined;
    return { seq: row.seq, textSeq: row.text_seq ?? row.seq, paper: rowToPaper(row, selectSignals.all(row.seq) as SignalRow[]) };
  }

  function load(id: string): Loaded | undefined {
    return fromRow(selectPaper.get(id) as PaperRow | undefined);
  }

  /** The stored twin of a record: its arXiv paper for a record without id, and the other way round. */
  function loadTwin(input: PaperInput, unidentifiedStored: boolean): Loaded | undefined {
    if (input.deleted || !input.title) return undefined;
    const key = titleKey(input.title);
    if (!key) return undefined;
    const select = isUnidentified(input.id) ? selectArxivTwins : unidentifiedStored && isArxivId(input.id) ? selectUnidentifiedTwins : null;
    if (!select) return undefined;
    // The column holds a hash of the key: the first row whose own key is equal (a hash collision is not a twin).
    const rows = select.all(titleKeyHash(input.title)) as PaperRow[];
    return fromRow(rows.find((row) => titleKey(row.title) === key));
  }

  function writeCategories(seq: number, paper: Paper): void {
    paper.categories.forEach((category, position) => insertCategory.run(seq, category, position));
  }

  function writeSignals(seq: number, paper: Paper, before: Paper | undefined): void {
    for (const signal of paper.signals) {
      const old = before?.signals.find((s) => s.source === signal.source && s.name === signal.name);
      if (old && old.observedAt === signal.observedAt) continue;
      upsertSignal.run(seq, signal.source, signal.name, JSON.stringify(signal.value), signal.observedAt);
    }
  }

  // Every paper row written gets a new change_seq (see change-counter.ts); text_seq moves with it
  // unless only signals changed.
  const applyBatch = db.transaction((inputs: readonly PaperInput[], merge: MergeFn): UpsertResult[] => counter.within((nextChangeSeq) => {
    const stamp = now();
    const results: UpsertResult[] = [];
    let unidentifiedStored = anyUnidentified.get() !== undefined;
    for (const input of inputs) {
      const stored = load(input.id) ?? loadTwin(input, unidentifiedStored);
      const decision = merge(stored?.paper, input);
      if (decision.outcome === 'unchanged') {
        results.push({ id: stored?.paper.id ?? input.id, outcome: 'unchanged', ...(decision.reason ? { reason: decision.reason } : {}) });
        continue;
      }
      const paper = decision.paper;
      if (decision.outcome === 'added') {
        if (isUnidentified(paper.id)) unidentifiedStored = true;
        const changeSeq = nextChangeSeq();
        const seq = Number(insertPaper.run(...paperParams(paper), stamp, stamp, changeSeq, changeSeq).lastInsertRowid);
        writeCategories(seq, paper);
        writeSignals(seq, paper, undefined);
        results.push({ id: paper.id, outcome: 'added' });
        continue;
      }
      const seq = stored!.seq;
      const changeSeq = nextChangeSeq();
      const textSeq = indexedTextChanged(stored!.paper, paper) ? changeSeq : stored!.textSeq;
      const renamed = paper.id !== stored!.paper.id;
      if (renamed) {
        // Checked at commit: the paper and the rows that point at it change id together.
        db.pragma('defer_foreign_keys = ON');
        for (const rename of renames) rename.run(paper.id, stored!.paper.id);
      }
      updatePaper.run(...paperParams(paper), stamp, changeSeq, textSeq, seq);
      if (renamed) recountVotes.run(seq);
      if (JSON.stringify(stored!.paper.categories) !== JSON.stringify(paper.categories)) {
        deleteCategories.run(seq);
        writeCategories(seq, paper);
      }
      writeSignals(seq, paper, stored!.paper);
      results.push(
        decision.outcome === 'updated'
          ? { id: paper.id, outcome: 'updated', changed: decision.changed }
          : { id: paper.id, outcome: 'deleted' },
      );
    }
    return results;
  }));

  const putEmbedding = db.prepare(
    `INSERT INTO paper_embeddings (paper_seq, model, text_hash, vector, embedded_at, change_seq) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (paper_seq, model) DO UPDATE SET text_hash = excluded.text_hash, vector = excluded.vector, embedded_at = excluded.embedded_at,
       change_seq = excluded.change_seq`,
  );
  // The stamp and the change_seq are taken once the write lock is held: a writer that waited for the
  // lock must not commit a stamp older than a commit that went before it (a reader would skip it).
  const saveEmbeddings = db.transaction((model: string, items: readonly { seq: number; textHash: string; vector: Float32Array }[]) => counter.within((nextChangeSeq) => {
    const stamp = now();
    for (const item of items) {
      putEmbedding.run(item.seq, model, item.textHash, Buffer.from(item.vector.buffer, item.vector.byteOffset, item.vector.byteLength), stamp, nextChangeSeq());
    }
  }));

  const countRow = db.prepare('SELECT COUNT(*) AS n FROM papers WHERE deleted = 0');
  // The embedding queue (embeddingsNeeded): live papers newest first from the papers_newest index,
  // with the model's vector's hash and time; pages continue after the last (date, seq) seen.
  const NEWEST = 'COALESCE(p.announced_at, p.submitted_at, p.first_seen_at)';
  const newestSelect = `SELECT p.seq AS seq, ${NEWEST} AS date, p.last_changed_at AS changed, e.embedded_at AS embedded
    FROM papers p INDEXED BY papers_newest LEFT JOIN paper_embeddings e INDEXED BY paper_embeddings_seq ON e.model = ? AND e.paper_seq = p.seq WHERE p.deleted = 0`;
  const newestOrder = `ORDER BY ${NEWEST} DESC, p.seq DESC LIMIT ${NEWEST_PAGE}`;
  const newestPage = db.prepare(`${newestSelect} ${newestOrder}`);
  const newestPageAfter = db.prepare(`${newestSelect} AND ${NEWEST} <= ? AND (${NEWEST} < ? OR p.seq < ?) ${newestOrder}`);
  const textsOf = db.prepare(
    'SELECT p.seq AS seq, p.title AS title, p.abstract AS abstract, e.text_hash AS hash FROM papers p LEFT JOIN paper_embeddings e ON e.model = ? AND e.paper_seq = p.seq WHERE p.seq IN (SELECT value FROM json_each(?))',
  );

  return {
    db,
    ...createChangeFeed(db),
    async upsertPapers(inputs, merge) {
      return applyBatch.immediate(inputs, merge);
    },
    async getPaper(id) {
      return load(id)?.paper ?? null;
    },
    async countPapers() {
      return (countRow.get() as { n: number }).n;
    },
    async stats(): Promise<PaperStats> {
      const totals = db.prepare('SELECT SUM(deleted = 0) AS papers, SUM(deleted = 1) AS deleted FROM papers').get() as {
        papers: number | null;
        deleted: number | null;
      };
      const byCategory = db
        .prepare(
          `SELECT c.category AS category, COUNT(*) AS papers FROM paper_categories c JOIN papers p ON p.seq = c.paper_seq
           WHERE p.deleted = 0 GROUP BY c.category ORDER BY papers DESC, category`,
        )
        .all() as { category: string; papers: number }[];
      const byPrimaryCategory = db
        .prepare(
          `SELECT COALESCE(primary_category, 'unknown') AS category, COUNT(*) AS papers FROM papers WHERE deleted = 0
           GROUP BY 1 ORDER BY papers DESC, category`,
        )
        .all() as { category: string; papers: number }[];
      const byMonth = db
        .prepare(
          `SELECT COALESCE(SUBSTR(COALESCE(announced_at, submitted_at), 1, 7), 'unknown') AS month, COUNT(*) AS papers
           FROM papers WHERE deleted = 0 GROUP BY 1 ORDER BY month`,
        )
        .all() as { month: string; papers: number }[];
      return { papers: totals.papers ?? 0, deleted: totals.deleted ?? 0, byCategory, byPrimaryCategory, byMonth };
    },
    async getCheckpoint(key) {
      const row = db.prepare('SELECT * FROM harvest_checkpoints WHERE key = ?').get(key) as
        | { key: string; window_from: string | null; window_until: string | null; window_started_on: string | null; resumption_token: string | null; cursor: number; harvested_through: string | null; updated_at: string }
        | undefined;
      if (!row) return null;
      return {
        key: row.key,
        windowFrom: row.window_from,
        windowUntil: row.window_until,
        windowStartedOn: row.window_started_on,
        resumptionToken: row.resumption_token,
        cursor: row.cursor,
        harvestedThrough: row.harvested_through,
        updatedAt: row.updated_at,
      };
    },
    async saveCheckpoint(c: HarvestCheckpoint) {
      db.prepare(
        `INSERT INTO harvest_checkpoints (key, window_from, window_until, window_started_on, resumption_token, cursor, harvested_through, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET window_from = excluded.window_from, window_until = excluded.window_until,
           window_started_on = excluded.window_started_on,
           resumption_token = excluded.resumption_token, cursor = excluded.cursor,
           harvested_through = excluded.harvested_through, updated_at = excluded.updated_at`,
      ).run(c.key, c.windowFrom, c.windowUntil, c.windowStartedOn, c.resumptionToken, c.cursor, c.harvestedThrough, c.updatedAt);
    },
    async *scanIndexable(changedAfter, skip) {
      if (!changedAfter) {
        // Pages read whole (`.all()`), never a cursor left open across a yield: the consumer gives
        // the event loop turns between rows, and better-sqlite3 refuses every write on a connection
        // while one of its statements is still iterating.
        const page = db.prepare(`${INDEXABLE_SELECT} WHERE p.seq > ? ORDER BY p.seq LIMIT ${SCAN_PAGE}`);
        for (let after = 0; ;) {
          const rows = page.all(after) as IndexableSqlRow[];
          for (const r of rows) if (!skip?.(r.seq, r.last_changed_at)) yield toIndexableRow(r);
          if (rows.length < SCAN_PAGE) return;
          after = rows[rows.length - 1]!.seq;
        }
      }
      // Incremental: keys first from the covering index, whole rows only for those not skipped, so
      // an idle refresh reads a few index pages.
      // (No ORDER BY here: it would make SQLite scan the table in seq order instead of the index.)
      const keys = db.prepare('SELECT seq, last_changed_at FROM papers INDEXED BY papers_last_changed_at WHERE last_changed_at >= ?').all(changedAfter) as { seq: number; last_changed_at: string }[];
      const wanted = keys.sort((a, b) => a.seq - b.seq).filter((k) => !skip?.(k.seq, k.last_changed_at)).map((k) => k.seq);
      for (let i = 0; i < wanted.length; i += 500) {
        const chunk = wanted.slice(i, i + 500);
        for (const r of db.prepare(`${INDEXABLE_SELECT} WHERE seq IN (${chunk.map(() => '?').join(',')}) ORDER BY seq`).all(...chunk) as IndexableSqlRow[]) yield toIndexableRow(r);
      }
    },
    async embeddingsNeeded(model, textOf, limit = Infinity) {
      // Newest papers first (they are what readers come for, so they get semantic search first),
      // walking the papers_newest index a page at a time (migration 10) and yielding to the event
      // loop between pages: a service asking every minute never stalls, at any corpus size. A
      // candidate has no vector for the model or changed since it got one; only candidates' texts
      // are read and hashed (an unchanged text is no job), and past `limit` candidates are counted
      // without reading their texts, so `remaining` may count a few unchanged ones (an upper bound).
      const jobs: EmbeddingJob[] = [];
      let remaining = 0;
      let after: { date: string; seq: number } | null = null;
      for (;;) {
        const page = (after ? newestPageAfter.all(model, after.date, after.date, after.seq) : newestPage.all(model)) as { seq: number; date: string; changed: string; embedded: string | null }[];
        const candidates = page.filter((r) => r.embedded === null || r.changed >= r.embedded);
        const toRead = candidates.slice(0, Math.max(0, limit - jobs.length));
        remaining += candidates.length - toRead.length;
        if (toRead.length > 0) {
          const texts = new Map((textsOf.all(model, JSON.stringify(toRead.map((r) => r.seq))) as { seq: number; title: string; abstract: string; hash: string | null }[]).map((r) => [r.seq, r]));
          const found = embeddingJobs(toRead.map((r) => r.seq), texts, textOf);
          remaining += found.length;
          jobs.push(...found);
        }
        if (page.length < NEWEST_PAGE) break;
        const last = page[page.length - 1]!;
        after = { date: last.date, seq: last.seq };
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { jobs, remaining };
    },
    async saveEmbeddings(model, items) {
      saveEmbeddings.immediate(model, items);
    },
    async *scanEmbeddings(model, changedAfter, skip) {
      type Row = { seq: number; vector: Buffer; embedded_at: string };
      let rows: Iterable<Row>;
      if (!changedAfter) {
        // In pages, for the reason given in scanIndexable.
        const page = db.prepare(`SELECT paper_seq AS seq, vector, embedded_at FROM paper_embeddings WHERE model = ? AND paper_seq > ? ORDER BY paper_seq LIMIT ${SCAN_PAGE}`);
        rows = (function* () {
          for (let after = 0; ;) {
            const found = page.all(model, after) as Row[];
            yield* found;
            if (found.length < SCAN_PAGE) return;
            after = found[found.length - 1]!.seq;
          }
        })();
      } else {
        const keys = db.prepare('SELECT paper_seq AS seq, embedded_at FROM paper_embeddings WHERE model = ? AND embedded_at >= ?').all(model, changedAfter) as { seq: number; embedded_at: string }[];
        const wanted = keys.filter((k) => !skip?.(k.seq, k.embedded_at)).map((k) => k.seq);
        const fetched: Row[] = [];
        for (let i = 0; i < wanted.length; i += 500) {
          const chunk = wanted.slice(i, i + 500);
          fetched.push(...(db.prepare(`SELECT paper_seq AS seq, vector, embedded_at FROM paper_embeddings WHERE model = ? AND paper_seq IN (${chunk.map(() => '?').join(',')})`).all(model, ...chunk) as typeof fetched));
        }
        rows = fetched;
      }
      for (const row of rows) {
        if (!changedAfter && skip?.(row.seq, row.embedded_at)) continue;
        const copy = new Float32Array(row.vector.length / 4);
        new Uint8Array(copy.buffer).set(row.vector);
        yield { seq: row.seq, vector: copy, embeddedAt: row.embedded_at };
      }
    },
    async close() {
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}

/** Rows stored before migration 7 get their title key, in batches, once. */
function fillTitleKeys(db: SqliteDb): void {
  // Nothing to fill (every open after the first): no write lock taken.
  if (!db.prepare('SELECT 1 FROM papers WHERE title_key IS NULL LIMIT 1').get()) return;
  const missing = db.prepare('SELECT seq, title FROM papers WHERE title_key IS NULL LIMIT 5000');
  const set = db.prepare('UPDATE papers SET title_key = ? WHERE seq = ?');
  const fill = db.transaction(() => {
    const rows = missing.all() as { seq: number; title: string }[];
    for (const row of rows) set.run(titleKeyHash(row.title), row.seq);
    return rows.length;
  });
  while (fill.immediate() > 0) {
    // next batch
  }
}
