import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PaperboyError } from '../../core/errors.ts';
import { migrations as defaultMigrations, type Migration } from './migrations.ts';

export type SqliteDb = Database.Database;

export interface OpenOptions {
  /** Override for tests; defaults to the shipped migrations. */
  migrations?: readonly Migration[];
  readonly?: boolean;
  now?: () => string;
}

/**
 * Opens (creating if needed) a Paperboy SQLite file: WAL journal, foreign keys on, synchronous=NORMAL
 * (durable at each checkpoint, never corrupt after a crash), then applies pending migrations.
 */
export function openDatabase(file: string, options: OpenOptions = {}): SqliteDb {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 20000');
    if (!options.readonly) migrate(db, options.migrations ?? defaultMigrations, options.now ?? (() => new Date().toISOString()));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function schemaVersion(db: SqliteDb): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

function migrate(db: SqliteDb, list: readonly Migration[], now: () => string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const current = schemaVersion(db);
  const latest = list.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new PaperboyError(
      'SCHEMA_TOO_NEW',
      `database ${db.name} has schema version ${current}, but this Paperboy knows only up to ${latest}; upgrade Paperboy or use another --data directory`,
      { file: db.name, current, latest },
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now());
    }).immediate();
  }
}
