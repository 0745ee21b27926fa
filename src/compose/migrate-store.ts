/**
 * `paperboy migrate-store --to postgres://...`: the SQLite file of the data directory copied into a
 * PostgreSQL database (adapters/postgres/copy-from-sqlite.ts; docs/deployment.md).
 */
import { copyFromSqlite, type CopyOptions, type CopyReport } from '../adapters/postgres/copy-from-sqlite.ts';
import { openPool, redact } from '../adapters/postgres/database.ts';
import { PaperboyError } from '../core/errors.ts';
import type { Stores } from './stores.ts';

export async function migrateStore(stores: Stores, to: string, options: CopyOptions): Promise<CopyReport & { target: string }> {
  if (stores.kind !== 'sqlite') {
    throw new PaperboyError('INVALID_REQUEST', 'migrate-store copies the SQLite file of the data directory, but PAPERBOY_DATABASE_URL (databaseUrl) is set: unset it for this command and name the target with --to');
  }
  if (!/^postgres(ql)?:\/\//.test(to)) throw new PaperboyError('INVALID_REQUEST', `migrate-store --to: expected a postgres:// or postgresql:// URL, got ${JSON.stringify(redact(to))}`);
  // Creates and migrates the schema when the database is new; refuses a newer one.
  const pool = await openPool(to, { max: 1 });
  try {
    return { target: redact(to), ...(await copyFromSqlite(stores.papers.db, pool, options)) };
  } finally {
    await pool.end();
  }
}
