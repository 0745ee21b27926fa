/**
 * `paperboy migrate-store`: copies every table of a Paperboy SQLite file into a PostgreSQL database
 * at the same schema (migration 1 here is the SQLite schema in PostgreSQL terms, migrations.ts), in
 * one transaction, then counts both sides. Rows keep their keys (seqs, ids) and change numbers, so
 * an instance's search index built from the SQLite file stays valid on PostgreSQL.
 *
 * Generic over the tables both schemas have: the columns both have are copied, each batch as one
 * JSON parameter expanded by `json_populate_recordset` (PostgreSQL converts every value to its
 * column's type: 0/1 to boolean, JSON text to jsonb, hex to bytea), one statement per batch.
 */
import { PaperboyError } from '../../core/errors.ts';
import type { SqliteDb } from '../sqlite/database.ts';
import { inTransaction, withClient, type Pool, type PoolClient } from './database.ts';

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export interface CopyReport {
  tables: TableCount[];
  /** Digest outbox rows per state on both sides. */
  outbox: { state: string; source: number; target: number }[];
  /** Tables of the SQLite file that PostgreSQL does not have (and that are empty). */
  skipped: string[];
}

export interface CopyOptions {
  /** Empties the target's tables first instead of refusing a database that holds data. */
  replace?: boolean;
  /** Rows per statement (default 2,000). */
  batchRows?: number;
  onProgress?: (table: string, done: number, total: number) => void;
}

// Rows older than the SQLite change feed (migration 8) carry NULL change numbers, read there as
// their seq; PostgreSQL's columns are NOT NULL, so the reading is written out here.
const SOURCE_EXPRESSIONS: Record<string, Record<string, string>> = {
  papers: { change_seq: 'COALESCE(change_seq, seq)', text_seq: 'COALESCE(text_seq, seq)', local_votes: 'COALESCE(local_votes, 0)' },
  paper_embeddings: { change_seq: 'COALESCE(change_seq, paper_seq)' },
};
// Not copied as rows: the migration history is each database's own; the one change_counter row
// exists on both sides and is updated.
const NOT_COPIED = new Set(['schema_migrations', 'change_counter']);

interface PgColumn {
  name: string;
  type: string;
}

/** Copies the SQLite database `source` into `pool` (already migrated: openPool). */
export async function copyFromSqlite(source: SqliteDb, pool: Pool, options: CopyOptions = {}): Promise<CopyReport> {
  const batchRows = options.batchRows ?? 2000;
  return withClient(pool, async (client, broke) => {
    const pgTables = await tablesInDependencyOrder(client);
    const sqliteTables = new Set((source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name));
    const tables = pgTables.filter((t) => sqliteTables.has(t) && !NOT_COPIED.has(t));
    const skipped = [...sqliteTables].filter((t) => !pgTables.includes(t) && !NOT_COPIED.has(t)).sort();
    for (const table of skipped) {
      const rows = count(source, table);
      if (rows > 0) throw new PaperboyError('INVALID_REQUEST', `migrate-store: the SQLite table ${table} holds ${rows} rows and PostgreSQL has no such table; upgrade Paperboy so that both schemas match`);
    }
    if (tables.every((t) => count(source, t) === 0)) {
      throw new PaperboyError('INVALID_REQUEST', `migrate-store: the SQLite database ${source.name} holds nothing to copy (no papers, accounts or subscribers); check --data or PAPERBOY_DATA`);
    }
    // One snapshot of the SQLite file for the copy and the counts (WAL: writers may go on, unseen).
    source.exec('BEGIN');
    try {
      await inTransaction(client, async () => {
        const holding = await nonEmpty(client, tables);
        if (holding.length && !options.replace) {
          throw new PaperboyError('INVALID_REQUEST', `migrate-store: the target database already holds data (${holding.join(', ')}); pass --replace to empty it first, or name an empty database`);
        }
        if (holding.length) await client.query(`TRUNCATE ${tables.map(quote).join(', ')} RESTART IDENTITY CASCADE`);
        for (const table of tables) await copyTable(source, client, table, batchRows, options.onProgress);
        const counter = source.prepare('SELECT last_seq, store_id FROM change_counter WHERE id = 1').get() as { last_seq: number; store_id: string } | undefined;
        if (counter) await client.query('UPDATE change_counter SET last_seq = $1, store_id = $2 WHERE id = 1', [counter.last_seq, counter.store_id]);
        await resetIdentities(client, tables);
      }, broke);
      const counts: TableCount[] = [];
      for (const table of tables) {
        const { rows } = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
        counts.push({ table, source: count(source, table), target: rows[0]!.n });
      }
      const outbox = await outboxStates(source, client);
      return { tables: counts, outbox, skipped };
    } finally {
      source.exec('COMMIT');
    }
  });
}

function count(source: SqliteDb, table: string): number {
  return (source.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The public tables, each after the tables its foreign keys point at. */
async function tablesInDependencyOrder(client: PoolClient): Promise<string[]> {
  const { rows: names } = await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename");
  const { rows: edges } = await client.query<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
     WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`,
  );
  const ordered: string[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (ordered.includes(name) || path.has(name)) return;
    path.add(name);
    for (const e of edges) if (e.child === name && e.parent !== name) visit(e.parent, path);
    ordered.push(name);
  };
  for (const { name } of names) visit(name, new Set());
  return ordered;
}

async function nonEmpty(client: PoolClient, tables: readonly string[]): Promise<string[]> {
  const holding: string[] = [];
  for (const table of tables) {
    const { rows } = await client.query(`SELECT 1 FROM ${quote(table)} LIMIT 1`);
    if (rows.length) holding.push(table);
  }
  const { rows } = await client.query<{ last_seq: number }>('SELECT last_seq FROM change_counter WHERE id = 1');
  if ((rows[0]?.last_seq ?? 0) > 0) holding.push('change_counter');
  return holding;
}

async function copyTable(source: SqliteDb, client: PoolClient, table: string, batchRows: number, onProgress: CopyOptions['onProgress']): Promise<void> {
  const { rows: pgColumns } = await client.query<PgColumn>(
    "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    [table],
  );
  const sqliteColumns = new Set((source.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name));
  const columns = pgColumns.filter((c) => sqliteColumns.has(c.name));
  const expressions = SOURCE_EXPRESSIONS[table] ?? {};
  const select = source.prepare(`SELECT ${columns.map((c) => `${expressions[c.name] ?? quote(c.name)} AS ${quote(c.name)}`).join(', ')} FROM ${quote(table)}`);
  const list = columns.map((c) => quote(c.name)).join(', ');
  const insert = { name: `migrate-store ${table}`, text: `INSERT INTO ${quote(table)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${quote(table)}, $1::json)` };
  const convert = columns.map((c) => converter(c.type));
  const total = count(source, table);
  let batch: Record<string, unknown>[] = [];
  let done = 0;
  const flush = async () => {
    if (!batch.length) return;
    await client.query({ ...insert, values: [JSON.stringify(batch)] });
    done += batch.length;
    batch = [];
    onProgress?.(table, done, total);
  };
  for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
    const out: Record<string, unknown> = {};
    columns.forEach((c, i) => (out[c.name] = convert[i]!(row[c.name], table, c.name)));
    batch.push(out);
    if (batch.length >= batchRows) await flush();
  }
  await flush();
}

/** SQLite value -> the JSON value json_populate_recordset turns into the PostgreSQL column type. */
function converter(type: string): (value: unknown, table: string, column: string) => unknown {
  if (type === 'jsonb' || type === 'json') {
    return (value, table, column) => {
      if (value === null || typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        throw new PaperboyError('INVALID_REQUEST', `migrate-store: ${table}.${column} holds text that is not JSON: ${value.slice(0, 80)}`);
      }
    };
  }
  if (type === 'bytea') return (value) => (Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value);
  return (value) => value;
}

/** Identity columns continue after the copied keys. */
async function resetIdentities(client: PoolClient, tables: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ table: string; column: string }>(
    "SELECT table_name AS table, column_name AS column FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY($1)",
    [tables],
  );
  for (const { table, column } of rows) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT MAX(${quote(column)}) FROM ${quote(table)}), 1), (SELECT MAX(${quote(column)}) FROM ${quote(table)}) IS NOT NULL)`, [quote(table), column]);
  }
}

async function outboxStates(source: SqliteDb, client: PoolClient): Promise<CopyReport['outbox']> {
  const sql = 'SELECT state, COUNT(*) AS n FROM digest_outbox GROUP BY state ORDER BY state';
  const from = new Map((source.prepare(sql).all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  const to = new Map((await client.query<{ state: string; n: number }>(sql)).rows.map((r) => [r.state, r.n]));
  return [...new Set([...from.keys(), ...to.keys()])].sort().map((state) => ({ state, source: from.get(state) ?? 0, target: to.get(state) ?? 0 }));
}
