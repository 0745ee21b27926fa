import type { Paper, PaperInput, StoredPaper } from '../../core/paper.ts';
import type { HarvestCheckpoint, MergeFn, PaperStats, PaperStore, UpsertResult } from '../../ports/paper-store.ts';
import { openDatabase, type SqliteDb } from './database.ts';
import { paperParams, rowToPaper, type PaperRow, type SignalRow } from './paper-rows.ts';

const PAPER_COLUMNS =
  'id, version, title, abstract, authors, categories, primary_category, submitted_at, updated_at, announced_at, ' +
  'comments, journal_ref, doi, license, links, deleted, source';

/** The SQLite implementation of {@link PaperStore}. */
export function createSqlitePaperStore(file: string, deps: { now?: () => string } = {}): PaperStore & { db: SqliteDb } {
  const now = deps.now ?? (() => new Date().toISOString());
  const db = openDatabase(file, { now });

  const selectPaper = db.prepare('SELECT * FROM papers WHERE id = ?');
  const selectSignals = db.prepare('SELECT source, name, value, observed_at FROM paper_signals WHERE paper_seq = ? ORDER BY source, name');
  const insertPaper = db.prepare(
    `INSERT INTO papers (${PAPER_COLUMNS}, first_seen_at, last_changed_at) VALUES (${'?, '.repeat(17)}?, ?)`,
  );
  const updatePaper = db.prepare(
    `UPDATE papers SET (${PAPER_COLUMNS}, last_changed_at) = (${'?, '.repeat(17)}?) WHERE seq = ?`,
  );
  const deleteCategories = db.prepare('DELETE FROM paper_categories WHERE paper_seq = ?');
  const insertCategory = db.prepare('INSERT INTO paper_categories (paper_seq, category, position) VALUES (?, ?, ?)');
  const upsertSignal = db.prepare(
    'INSERT INTO paper_signals (paper_seq, source, name, value, observed_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (paper_seq, source, name) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at',
  );

  function load(id: string): { seq: number; paper: StoredPaper } | undefined {
    const row = selectPaper.get(id) as PaperRow | undefined;
    if (!row) return undefined;
    return { seq: row.seq, paper: rowToPaper(row, selectSignals.all(row.seq) as SignalRow[]) };
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

  const applyBatch = db.transaction((inputs: readonly PaperInput[], merge: MergeFn): UpsertResult[] => {
    const stamp = now();
    const results: UpsertResult[] = [];
    for (const input of inputs) {
      const stored = load(input.id);
      const decision = merge(stored?.paper, input);
      if (decision.outcome === 'unchanged') {
        results.push({ id: input.id, outcome: 'unchanged', ...(decision.reason ? { reason: decision.reason } : {}) });
        continue;
      }
      const paper = decision.paper;
      if (decision.outcome === 'added') {
        const seq = Number(insertPaper.run(...paperParams(paper), stamp, stamp).lastInsertRowid);
        writeCategories(seq, paper);
        writeSignals(seq, paper, undefined);
        results.push({ id: paper.id, outcome: 'added' });
        continue;
      }
      const seq = stored!.seq;
      updatePaper.run(...paperParams(paper), stamp, seq);
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
  });

  const countRow = db.prepare('SELECT COUNT(*) AS n FROM papers WHERE deleted = 0');

  return {
    db,
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
    async close() {
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
