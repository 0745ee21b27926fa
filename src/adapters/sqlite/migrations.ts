/**
 * Versioned schema migrations. Append only: never edit a migration that has shipped; add a new one.
 * Each runs in its own transaction together with its row in schema_migrations.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'papers, categories, signals, harvest checkpoints',
    sql: `
      CREATE TABLE papers (
        seq              INTEGER PRIMARY KEY,          -- stable integer handle for indexes
        id               TEXT NOT NULL UNIQUE,         -- 2401.01234, hep-th/9901001, source:id, content:hash
        version          INTEGER,
        title            TEXT NOT NULL,
        abstract         TEXT NOT NULL DEFAULT '',
        authors          TEXT NOT NULL DEFAULT '[]',   -- JSON array of names, in order
        categories       TEXT NOT NULL DEFAULT '[]',   -- JSON array, primary first
        primary_category TEXT,
        submitted_at     TEXT,
        updated_at       TEXT,
        announced_at     TEXT,
        comments         TEXT,
        journal_ref      TEXT,
        doi              TEXT,
        license          TEXT,
        links            TEXT NOT NULL DEFAULT '{}',   -- JSON object: code, project (abs/pdf derived)
        deleted          INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
        source           TEXT NOT NULL,
        first_seen_at    TEXT NOT NULL,
        last_changed_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX papers_announced_at ON papers (announced_at);

      CREATE TABLE paper_categories (
        paper_seq INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
        category  TEXT NOT NULL,
        position  INTEGER NOT NULL,
        PRIMARY KEY (paper_seq, category)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE paper_signals (
        paper_seq   INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
        source      TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       TEXT NOT NULL,                     -- JSON
        observed_at TEXT NOT NULL,
        PRIMARY KEY (paper_seq, source, name)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE harvest_checkpoints (
        key               TEXT PRIMARY KEY,
        window_from       TEXT,
        window_until      TEXT,
        window_started_on TEXT,
        resumption_token  TEXT,
        cursor            INTEGER NOT NULL DEFAULT 0,
        harvested_through TEXT,
        updated_at        TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'paper embeddings',
    sql: `
      CREATE TABLE paper_embeddings (
        paper_seq   INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
        model       TEXT NOT NULL,                      -- model id and variant
        text_hash   TEXT NOT NULL,                      -- hash of the embedded text: changed text re-embeds
        vector      BLOB NOT NULL,                      -- float32 little-endian
        embedded_at TEXT NOT NULL,
        PRIMARY KEY (paper_seq, model)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];
