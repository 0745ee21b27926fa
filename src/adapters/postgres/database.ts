import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { PaperboyError } from '../../core/errors.ts';
import { pgMigrations, type PgMigration } from './migrations.ts';

export type { Pool, PoolClient };

export interface PgOpenOptions {
  /** Override for tests; defaults to the shipped migrations. */
  migrations?: readonly PgMigration[];
  /** Most connections this process opens (pg's default is 10). */
  max?: number;
  now?: () => string;
}

// bigint (int8) and COUNT(*) come back as JavaScript numbers: seqs, ids and counts stay far below
// 2^53; a larger value is an error, never a silently rounded number.
const INT8 = 20;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8) {
      return (value: string) => {
        const n = Number(value);
        if (!Number.isSafeInteger(n)) throw new RangeError(`PostgreSQL returned the bigint ${value}, beyond JavaScript's safe integers`);
        return n;
      };
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

// Key of the advisory lock held while migrating (any fixed number; "paperboy" in ASCII).
const MIGRATION_LOCK = 0x7061706572626f79n.toString();

/**
 * Opens a pool on `url` (postgres://user:password@host:port/database) and applies pending
 * migrations; refuses a database whose schema is newer than this Paperboy.
 */
export async function openPool(url: string, options: PgOpenOptions = {}): Promise<Pool> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  // An idle connection the server drops (restart, failover) must not crash the process; the next
  // query opens a new one.
  pool.on('error', () => {});
  try {
    await migrate(pool, options.migrations ?? pgMigrations, options.now ?? (() => new Date().toISOString()), url);
    return pool;
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** The schema version of the database (0 before the first migration). */
export async function pgSchemaVersion(db: Pool | PoolClient): Promise<number> {
  const { rows } = await db.query<{ v: number | null }>(
    "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN NULL ELSE (SELECT MAX(version) FROM schema_migrations) END AS v",
  );
  return rows[0]?.v ?? 0;
}

async function migrate(pool: Pool, list: readonly PgMigration[], now: () => string, url: string): Promise<void> {
  await withClient(pool, async (client) => {
    // Several instances may start at once: one migrates, the others wait and then find nothing to do.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
      const current = await pgSchemaVersion(client);
      const latest = list.reduce((max, m) => Math.max(max, m.version), 0);
      if (current > latest) {
        throw new PaperboyError(
          'SCHEMA_TOO_NEW',
          `database ${redact(url)} has schema version ${current}, but this Paperboy knows only up to ${latest}; upgrade Paperboy or point PAPERBOY_DATABASE_URL at another database`,
          { database: redact(url), current, latest },
        );
      }
      for (const migration of [...list].sort((a, b) => a.version - b.version)) {
        if (migration.version <= current) continue;
        await inTransaction(client, async () => {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, now()]);
        });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    }
  });
}

/**
 * Runs `work` in a transaction on `client`: committed when it resolves, rolled back when it throws.
 * `onBroken` hears of a connection that could not even roll back (its owner must not reuse it).
 */
export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>, onBroken?: (error: Error) => void): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => onBroken?.(rollbackError));
    throw error;
  }
}

/**
 * Runs `work` with a connection of the pool checked out; a connection that broke meanwhile is closed,
 * not reused. While checked out, the connection's `error` event (the server ended it: a restart, a
 * failover) is heard here: pg emits it besides failing the query, and unheard it would end the process.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient, broke: (error: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const broke = (error: Error) => {
    broken ??= error;
  };
  client.on('error', broke);
  try {
    return await work(client, broke);
  } finally {
    client.removeListener('error', broke);
    client.release(broken);
  }
}

/** Runs `work` in a transaction on a connection of the pool (see {@link withClient}). */
export function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, (client, broke) => inTransaction(client, () => work(client), broke));
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
