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
  {
    version: 3,
    name: 'accounts: users, sign-in links, sessions, votes, library, hidden papers',
    sql: `
      CREATE TABLE users (
        id         INTEGER PRIMARY KEY,
        email      TEXT NOT NULL UNIQUE,                -- lower-cased
        created_at TEXT NOT NULL
      ) STRICT;

      -- Magic sign-in links: only the SHA-256 of the token is stored; single use, expiring.
      CREATE TABLE sign_in_links (
        token_hash TEXT PRIMARY KEY,
        email      TEXT NOT NULL,
        next_path  TEXT NOT NULL DEFAULT '/',
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at    TEXT
      ) STRICT;
      CREATE INDEX sign_in_links_email ON sign_in_links (email, created_at);

      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,                    -- SHA-256 of the cookie value
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sessions_user ON sessions (user_id);

      CREATE TABLE votes (
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX votes_paper ON votes (paper_id);

      CREATE TABLE library (
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE hidden_papers (
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'indexes for incremental index refresh and embedding checks',
    sql: `
      CREATE INDEX papers_last_changed_at ON papers (last_changed_at);
      CREATE INDEX paper_embeddings_model_at ON paper_embeddings (model, embedded_at);
      CREATE INDEX paper_embeddings_seq ON paper_embeddings (model, paper_seq, embedded_at);
      -- live papers by change time: COUNT of live papers and the embedding check without a table scan
      CREATE INDEX papers_live_changed ON papers (deleted, last_changed_at);
    `,
  },
  {
    version: 5,
    name: 'digest subscribers, topics, outbox, papers sent',
    sql: `
      CREATE TABLE subscribers (
        id                 INTEGER PRIMARY KEY,
        email              TEXT NOT NULL UNIQUE,            -- lower-cased
        user_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
        status             TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'undeliverable')),
        confirm_token_hash TEXT,                             -- SHA-256 of the emailed confirmation token
        confirm_expires_at TEXT,
        created_at         TEXT NOT NULL,
        confirmed_at       TEXT,
        unsubscribed_at    TEXT,
        daily_trending     INTEGER NOT NULL DEFAULT 1 CHECK (daily_trending IN (0, 1)),
        send_hour          INTEGER NOT NULL DEFAULT 7 CHECK (send_hour BETWEEN 0 AND 23),
        time_zone          TEXT NOT NULL DEFAULT 'UTC',
        skip_weekends      INTEGER NOT NULL DEFAULT 0 CHECK (skip_weekends IN (0, 1)),
        max_papers         INTEGER NOT NULL DEFAULT 10 CHECK (max_papers BETWEEN 1 AND 50),
        permanent_failures INTEGER NOT NULL DEFAULT 0,
        last_digest_at     TEXT                              -- when the last digest was composed
      ) STRICT;
      CREATE INDEX subscribers_status ON subscribers (status);
      CREATE INDEX subscribers_confirm ON subscribers (confirm_token_hash);

      CREATE TABLE subscriber_topics (
        id            INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        kind          TEXT NOT NULL CHECK (kind IN ('search', 'category', 'author')),
        query         TEXT NOT NULL,                         -- search text, category or author name
        filters       TEXT NOT NULL DEFAULT '{}',            -- JSON: categories, author (saved searches)
        frequency     TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
        created_at    TEXT NOT NULL,
        unsubscribed_at TEXT
      ) STRICT;
      CREATE INDEX subscriber_topics_subscriber ON subscriber_topics (subscriber_id);

      -- One row per digest: the idempotency key is subscriber + period.
      CREATE TABLE digest_outbox (
        id              INTEGER PRIMARY KEY,
        subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        period          TEXT NOT NULL,                       -- the subscriber's local day, YYYY-MM-DD
        idempotency_key TEXT NOT NULL UNIQUE,
        state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'empty')),
        message_id      TEXT NOT NULL,
        subject         TEXT NOT NULL,
        text_body       TEXT NOT NULL,
        html_body       TEXT NOT NULL,
        headers         TEXT NOT NULL DEFAULT '{}',
        paper_ids       TEXT NOT NULL DEFAULT '[]',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        claimed_at      TEXT,
        created_at      TEXT NOT NULL,
        sent_at         TEXT,
        last_error      TEXT
      ) STRICT;
      CREATE INDEX digest_outbox_due ON digest_outbox (state, next_attempt_at);

      -- Papers already mailed to a subscriber (by id without version): never sent twice.
      CREATE TABLE digest_papers_sent (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        paper_id      TEXT NOT NULL,
        digest_id     INTEGER NOT NULL,
        PRIMARY KEY (subscriber_id, paper_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'digest claims with an owner and a lease; log of request-triggered mail; chosen time zone',
    sql: `
      -- A claimed digest belongs to one sender run (claim_owner) until lease_expires_at; the owner
      -- renews the lease while it sends, and only the owner records the outcome.
      ALTER TABLE digest_outbox ADD COLUMN claim_owner TEXT;
      ALTER TABLE digest_outbox ADD COLUMN lease_expires_at TEXT;
      CREATE INDEX digest_outbox_lease ON digest_outbox (state, lease_expires_at);
      CREATE INDEX digest_outbox_owner ON digest_outbox (claim_owner) WHERE claim_owner IS NOT NULL;

      -- 1 once the subscriber (or their browser) chose the time zone; 0: the default UTC.
      ALTER TABLE subscribers ADD COLUMN time_zone_chosen INTEGER NOT NULL DEFAULT 0 CHECK (time_zone_chosen IN (0, 1));

      -- Sign-in and confirmation mails that requests asked for: per-mailbox and hourly caps.
      -- No tokens or bodies here; rows older than a day are pruned.
      CREATE TABLE mail_requests (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,                 -- sign-in, confirmation
        mailbox    TEXT NOT NULL,                 -- lower-cased address without +tag
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX mail_requests_mailbox ON mail_requests (mailbox, created_at);
      CREATE INDEX mail_requests_created ON mail_requests (created_at);
    `,
  },
  {
    version: 7,
    name: 'normalised titles, to match records without ids to their arXiv twins',
    sql: `
      -- 52 bits of the SHA-1 of core/title-key.ts's key of the title (case, accents, TeX, punctuation
      -- folded): small, so the index costs little; candidates are checked against the real key.
      -- Filled by the paper store on write, and for older rows when the store opens.
      ALTER TABLE papers ADD COLUMN title_key INTEGER;
      CREATE INDEX papers_title_key ON papers (title_key);
    `,
  },
  {
    version: 8,
    name: 'change feed: commit-ordered change_seq on papers and embeddings, local vote counts',
    sql: `
      -- The last change_seq handed out. A writing transaction takes the next values from it while it
      -- holds the write lock, so change_seq order is commit order (adapters/sqlite/change-counter.ts).
      -- store_id: drawn once when the counter is created; an index built from another database (one
      -- deleted and imported again, whose counter may well pass the old one) records another id and
      -- is rebuilt instead of pointing its seqs at different papers.
      CREATE TABLE change_counter (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL,
        store_id TEXT NOT NULL
      ) STRICT;
      -- change_seq: the last change of anything the search index holds (text, meta, signals, votes);
      -- text_seq: the change_seq at which anything but signals and votes last changed.
      -- NULL in both: not written since this migration; the row's change is then its seq (read as
      -- COALESCE(change_seq, seq)), so existing rows need no rewrite (seconds at 75k papers with
      -- vectors) and a feed read from 0 returns each of them once, in seq order. The counter starts
      -- above every seq. Columns without NOT NULL: SQLite adds them without a pass over the table.
      ALTER TABLE papers ADD COLUMN change_seq INTEGER;
      ALTER TABLE papers ADD COLUMN text_seq INTEGER;
      ALTER TABLE papers ADD COLUMN local_votes INTEGER DEFAULT 0;
      ALTER TABLE paper_embeddings ADD COLUMN change_seq INTEGER;   -- NULL: read as paper_seq
      UPDATE papers SET local_votes = (SELECT COUNT(*) FROM votes v WHERE v.paper_id = papers.id)
        WHERE id IN (SELECT paper_id FROM votes);
      INSERT INTO change_counter (id, last_seq, store_id) VALUES (1, (SELECT COALESCE(MAX(seq), 0) FROM papers), lower(hex(randomblob(16))));
      CREATE INDEX papers_change_seq ON papers (COALESCE(change_seq, seq));
      CREATE INDEX paper_embeddings_change_seq ON paper_embeddings (model, COALESCE(change_seq, paper_seq));
    `,
  },
  {
    version: 9,
    name: 'daily signal series (upvotes, stars, readers) and GitHub repository state',
    sql: `
      -- One value per paper, signal and UTC day. Totals (huggingface/upvotes, github/stars) keep
      -- the last value seen that day; paperboy/readers is that day's count of distinct readers.
      -- Keyed by seq, which survives a paper's id change.
      CREATE TABLE paper_signal_days (
        paper_seq INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
        source    TEXT NOT NULL,
        name      TEXT NOT NULL,
        day       TEXT NOT NULL,                      -- YYYY-MM-DD (UTC) of the observation
        value     REAL NOT NULL,
        PRIMARY KEY (paper_seq, source, name, day)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX paper_signal_days_day ON paper_signal_days (source, name, day);

      -- Conditional requests and renames of linked repositories (owner/name as linked, lower-cased).
      CREATE TABLE github_repos (
        repo       TEXT PRIMARY KEY,
        full_name  TEXT,                              -- current owner/name after a rename
        etag       TEXT,
        stars      INTEGER,
        status     TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'gone')),
        checked_at TEXT
      ) STRICT;

      CREATE INDEX library_created ON library (created_at);
      CREATE INDEX votes_created ON votes (created_at);
    `,
  },
  {
    version: 10,
    name: 'live papers newest first, for the embedding queue',
    sql: `
      -- The background embedder takes the newest papers first, a page at a time (paper-store.ts,
      -- embeddingsNeeded): walking this index needs neither a sort of every paper nor their texts.
      CREATE INDEX papers_newest ON papers (COALESCE(announced_at, submitted_at, first_seen_at) DESC, seq DESC, last_changed_at)
        WHERE deleted = 0;
    `,
  },
  {
    version: 11,
    name: 'recommendations: "my papers", private feed token generation, digest opt-in',
    sql: `
      -- Papers a reader declares their own (pasted arXiv ids, a BibTeX file): likes for "For you".
      CREATE TABLE my_papers (
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_id)
      ) STRICT, WITHOUT ROWID;
      -- The private "For you" feed's token carries this number; revoking bumps it, so every
      -- earlier token (URL) of the reader stops working.
      ALTER TABLE users ADD COLUMN feed_generation INTEGER NOT NULL DEFAULT 0;
      -- The digest's "Recommended for you" section: opt-in, off by default.
      ALTER TABLE subscribers ADD COLUMN recommendations INTEGER NOT NULL DEFAULT 0 CHECK (recommendations IN (0, 1));
    `,
  },
];
