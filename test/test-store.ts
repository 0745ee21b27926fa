/**
 * The store the shared test helpers (testStore, testApp, runPaperboy, startServe) put data in:
 * SQLite files by default, PostgreSQL with PAPERBOY_TEST_STORE=postgres. `npm test`
 * (scripts/run-tests.js) runs the store-dependent test files a second time that way.
 *
 * On PostgreSQL each test process starts one throwaway cluster (test/pg-cluster.ts) on first use
 * and gives every data directory a database of its own, so "the same data directory" (a store
 * reopened, a CLI run after an import) means the same database, as it means the same file on SQLite.
 */
import { resolve } from 'node:path';
import type { Stores } from '../src/compose/stores.ts';
import { startPgCluster, type PgCluster } from './pg-cluster.ts';

export type TestStoreKind = 'sqlite' | 'postgres';

/** PAPERBOY_TEST_STORE: `sqlite` (default) or `postgres`; anything else is an error. */
export function testStoreKind(env: NodeJS.ProcessEnv = process.env): TestStoreKind {
  const kind = env.PAPERBOY_TEST_STORE || 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`PAPERBOY_TEST_STORE=${kind}: expected sqlite or postgres`);
  return kind;
}

export const TEST_STORE: TestStoreKind = testStoreKind();
export const onPostgres = TEST_STORE === 'postgres';

/**
 * The skip option of a test about SQLite itself (its file, WAL, locking, its migrations): skipped,
 * with `reason`, when the suite runs on PostgreSQL.
 */
export function sqliteOnly(reason: string): false | string {
  return onPostgres ? `SQLite only: ${reason}` : false;
}

let cluster: Promise<PgCluster> | undefined;
const databases = new Map<string, Promise<string>>();

/** The PostgreSQL database of a data directory (created on first ask, in this process's cluster). */
export function databaseUrlFor(dataDir: string): Promise<string> {
  const key = resolve(dataDir);
  let url = databases.get(key);
  if (!url) {
    cluster ??= startPgCluster();
    url = cluster.then((c) => c.createDatabase());
    databases.set(key, url);
  }
  return url;
}

/**
 * `env` for a `paperboy` child process working on `dataDir`: on PostgreSQL with the
 * PAPERBOY_DATABASE_URL of that directory (unless `env` names a database itself); unchanged on SQLite.
 */
export async function storeEnv<T extends NodeJS.ProcessEnv>(dataDir: string | undefined, env: T): Promise<T> {
  if (!onPostgres || !dataDir || env.PAPERBOY_DATABASE_URL) return env;
  return { ...env, PAPERBOY_DATABASE_URL: await databaseUrlFor(dataDir) };
}

/** The data directory of a `paperboy` command line: `--data DIR`, `--data=DIR`, else PAPERBOY_DATA. */
export function dataDirOf(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--data') return args[i + 1];
    if (args[i]!.startsWith('--data=')) return args[i]!.slice('--data='.length);
  }
  return env.PAPERBOY_DATA || undefined;
}

/**
 * A read or write in SQL for a test's checks, on either store: `?` placeholders (numbered for
 * PostgreSQL), the rows back. Keep the SQL to what both dialects share.
 */
export function storeQuery(stores: Stores) {
  return async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => {
    if (stores.kind === 'sqlite') {
      const statement = stores.papers.db.prepare(sql);
      if (!statement.reader) {
        statement.run(...params);
        return [];
      }
      return statement.all(...params) as T[];
    }
    let n = 0;
    return (await stores.papers.pool.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
  };
}
