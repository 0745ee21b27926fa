import { githubRepoKey } from '../../core/github-repo.ts';
import type { SignalGains } from '../../core/trending.ts';
import type { GitHubRepoState, RepoCandidate, SignalObservation, SignalStore } from '../../ports/signal-store.ts';
import { takeChangeCounter } from './change-counter.ts';
import { withTransaction, type Pool, type PoolClient } from './database.ts';

/** Totals kept as daily series: their gain in a window is an increase, not a sum. */
const TOTALS = [
  { source: 'huggingface', name: 'upvotes', key: 'hfUpvotes', fromZero: true },
  { source: 'github', name: 'stars', key: 'githubStars', fromZero: false },
] as const;

type RepoRow = { repo: string; full_name: string | null; etag: string | null; stars: number | null; status: 'ok' | 'gone'; checked_at: string | null };
const toState = (r: RepoRow): GitHubRepoState => ({ repo: r.repo, fullName: r.full_name, etag: r.etag, stars: r.stars, status: r.status, checkedAt: r.checked_at });
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const PUT_DAYS = (onConflict: string) => `INSERT INTO paper_signal_days (paper_seq, source, name, day, value)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::double precision[])
  ON CONFLICT (paper_seq, source, name, day) DO UPDATE SET value = ${onConflict}`;

async function seqsOf(db: Pool | PoolClient, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; seq: number }>({ name: 'signals-seqs', text: 'SELECT id, seq FROM papers WHERE id = ANY($1::text[])', values: [[...new Set(ids)]] });
  return new Map(rows.map((r) => [r.id, r.seq]));
}

/** The PostgreSQL implementation of {@link SignalStore} (paper_signal_days, github_repos, votes and library). */
export function createPostgresSignalStore(pool: Pool, deps: { now?: () => string } = {}): SignalStore {
  const now = deps.now ?? (() => new Date().toISOString());

  /** Papers linking each repository, with their latest activity. */
  async function linksByRepo(): Promise<Map<string, { ids: string[]; lastActive: string | null; newest: string }>> {
    const { rows } = await pool.query<{ id: string; links: { code?: string }; repo: unknown; date: string; active: string }>({
      name: 'signals-linking',
      text: `SELECT p.id, p.links, s.value AS repo, COALESCE(p.announced_at, SUBSTR(p.submitted_at, 1, 10), '') AS date,
              COALESCE((SELECT MAX(day) FROM paper_signal_days d WHERE d.paper_seq = p.seq), '') AS active
         FROM papers p LEFT JOIN paper_signals s ON s.paper_seq = p.seq AND s.source = 'github' AND s.name = 'repo'
        WHERE NOT p.deleted AND (s.value IS NOT NULL OR p.links::text LIKE '%github.com/%')
        ORDER BY p.seq`,
    });
    const out = new Map<string, { ids: string[]; lastActive: string | null; newest: string }>();
    for (const row of rows) {
      const key = githubRepoKey(typeof row.repo === 'string' ? row.repo : null) ?? githubRepoKey(row.links.code);
      if (!key) continue;
      const entry = out.get(key) ?? { ids: [], lastActive: null, newest: '' };
      entry.ids.push(row.id);
      // Active: a signal moved that day, or the paper appeared then.
      const active = row.active > row.date ? row.active : row.date;
      if (active && (!entry.lastActive || active > entry.lastActive)) entry.lastActive = active;
      if (row.date > entry.newest) entry.newest = row.date;
      out.set(key, entry);
    }
    return out;
  }

  return {
    async record(observations, mode = 'replace') {
      return withTransaction(pool, async (client) => {
        const seqs = await seqsOf(client, observations.map((o) => o.paperId));
        // One row per (paper, signal, day): a statement cannot write a row twice, so repeats are
        // folded here as the SQLite store applies them one after another (last wins, or the larger).
        const rows = new Map<string, [number, string, string, string, number]>();
        let stored = 0;
        let unknownPapers = 0;
        for (const o of observations as SignalObservation[]) {
          const seq = seqs.get(o.paperId);
          if (seq === undefined || !Number.isFinite(o.value)) {
            unknownPapers++;
            continue;
          }
          stored++;
          const key = `${seq}\0${o.source}\0${o.name}\0${o.day}`;
          const old = rows.get(key);
          rows.set(key, [seq, o.source, o.name, o.day, mode === 'max' && old ? Math.max(old[4], o.value) : o.value]);
        }
        if (rows.size > 0) {
          const list = [...rows.values()];
          await client.query({
            name: `signals-record-${mode}`,
            text: PUT_DAYS(mode === 'max' ? 'GREATEST(paper_signal_days.value, excluded.value)' : 'excluded.value'),
            values: [0, 1, 2, 3, 4].map((i) => list.map((r) => r[i])),
          });
        }
        return { stored, unknownPapers };
      });
    },

    async gains(from, to) {
      const out = new Map<string, SignalGains>();
      const add = (id: string, key: keyof SignalGains, n: number) => {
        if (!(n > 0)) return;
        const g = out.get(id) ?? {};
        g[key] = (g[key] ?? 0) + n;
        out.set(id, g);
      };
      for (const total of TOTALS) {
        // Papers with a value in the window, then the last value in it, the last before it, the first in it.
        const { rows } = await pool.query<{ id: string; last: number; before: number | null; first: number }>({
          name: 'signals-totals-in',
          text: `WITH w AS (SELECT DISTINCT paper_seq FROM paper_signal_days WHERE source = $1 AND name = $2 AND day BETWEEN $3 AND $4)
            SELECT p.id,
              (SELECT value FROM paper_signal_days x WHERE x.paper_seq = w.paper_seq AND x.source = $1 AND x.name = $2 AND x.day <= $4 ORDER BY x.day DESC LIMIT 1) AS last,
              (SELECT value FROM paper_signal_days x WHERE x.paper_seq = w.paper_seq AND x.source = $1 AND x.name = $2 AND x.day < $3 ORDER BY x.day DESC LIMIT 1) AS before,
              (SELECT value FROM paper_signal_days x WHERE x.paper_seq = w.paper_seq AND x.source = $1 AND x.name = $2 AND x.day >= $3 ORDER BY x.day LIMIT 1) AS first
            FROM w JOIN papers p ON p.seq = w.paper_seq`,
          values: [total.source, total.name, from, to],
        });
        for (const r of rows) add(r.id, total.key, r.last - (r.before ?? (total.fromZero ? 0 : r.first)));
      }
      const readers = await pool.query<{ id: string; n: number }>({
        name: 'signals-readers-in',
        text: `SELECT p.id, SUM(d.value) AS n FROM paper_signal_days d JOIN papers p ON p.seq = d.paper_seq
          WHERE d.source = 'paperboy' AND d.name = 'readers' AND d.day BETWEEN $1 AND $2 GROUP BY p.id`,
        values: [from, to],
      });
      for (const r of readers.rows) add(r.id, 'readers', r.n);
      // created_at is an ISO timestamp: the window's days are [from, to + 1 day).
      const end = nextDay(to);
      for (const [table, key] of [['library', 'saves'], ['votes', 'localVotes']] as const) {
        const { rows } = await pool.query<{ id: string; n: number }>({
          name: `signals-${table}-in`,
          text: `SELECT paper_id AS id, COUNT(*) AS n FROM ${table} WHERE created_at >= $1 AND created_at < $2 GROUP BY paper_id`,
          values: [from, end],
        });
        for (const r of rows) add(r.id, key, r.n);
      }
      return out;
    },

    async trackedRepos(keys) {
      const { rows } = await pool.query<{ repo: string }>({
        name: 'signals-tracked',
        text: "SELECT repo FROM github_repos WHERE repo = ANY($1::text[]) AND status = 'ok' AND stars IS NOT NULL",
        values: [[...keys]],
      });
      return new Set(rows.map((r) => r.repo));
    },

    async reposToRefresh(limit, checkedBefore) {
      const repos = await pool.query<RepoRow>({ name: 'signals-repos', text: 'SELECT * FROM github_repos' });
      const states = new Map(repos.rows.map((r) => [r.repo, toState(r)]));
      const candidates: (RepoCandidate & { newest: string })[] = [];
      for (const [repo, links] of await linksByRepo()) {
        const state = states.get(repo) ?? { repo, fullName: null, etag: null, stars: null, status: 'ok' as const, checkedAt: null };
        if (state.status === 'gone' || (state.checkedAt !== null && state.checkedAt > checkedBefore)) continue;
        candidates.push({ ...state, lastActive: links.lastActive, paperIds: links.ids, newest: links.newest });
      }
      // Most recently active first; among equals the newest paper, then the longest unchecked.
      candidates.sort((a, b) => (b.lastActive ?? '').localeCompare(a.lastActive ?? '') || b.newest.localeCompare(a.newest) || (a.checkedAt ?? '').localeCompare(b.checkedAt ?? '') || a.repo.localeCompare(b.repo));
      return candidates.slice(0, limit).map(({ newest: _newest, ...c }) => c);
    },

    async saveRepo(state, day, paperIds) {
      const papers = await withTransaction(pool, async (client) => {
        // Papers whose stars change take the next change_seq (the index re-reads them): the counter
        // first, before anything is read (change-counter.ts).
        const counter = state.status === 'ok' && state.stars !== null ? await takeChangeCounter(client) : null;
        await client.query({
          name: 'signals-upsert-repo',
          text: `INSERT INTO github_repos (repo, full_name, etag, stars, status, checked_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (repo) DO UPDATE SET full_name = excluded.full_name, etag = excluded.etag, stars = excluded.stars,
              status = excluded.status, checked_at = excluded.checked_at`,
          values: [state.repo, state.fullName, state.etag, state.stars, state.status, state.checkedAt],
        });
        if (!counter) return 0;
        const stamp = now();
        const seqs = [...(await seqsOf(client, paperIds)).values()];
        if (seqs.length === 0) return paperIds.length;
        await client.query({
          name: 'signals-record-replace',
          text: PUT_DAYS('excluded.value'),
          values: [seqs, seqs.map(() => 'github'), seqs.map(() => 'stars'), seqs.map(() => day), seqs.map(() => state.stars)],
        });
        const current = await client.query<{ paper_seq: number; value: unknown }>({
          name: 'signals-current-stars',
          text: "SELECT paper_seq, value FROM paper_signals WHERE paper_seq = ANY($1::bigint[]) AND source = 'github' AND name = 'stars'",
          values: [seqs],
        });
        const before = new Map(current.rows.map((r) => [r.paper_seq, JSON.stringify(r.value)]));
        const changed = seqs.filter((seq) => before.get(seq) !== JSON.stringify(state.stars));
        if (changed.length > 0) {
          await client.query({
            name: 'signals-set-stars',
            text: `INSERT INTO paper_signals (paper_seq, source, name, value, observed_at)
              SELECT seq, 'github', 'stars', $2::jsonb, $3 FROM unnest($1::bigint[]) AS seq
              ON CONFLICT (paper_seq, source, name) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at`,
            values: [changed, JSON.stringify(state.stars), stamp],
          });
          await client.query({
            name: 'signals-touch',
            text: 'UPDATE papers p SET last_changed_at = $3, change_seq = u.change_seq FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, change_seq) WHERE p.seq = u.seq',
            values: [changed, changed.map(() => counter.next()), stamp],
          });
          await counter.store();
        }
        return paperIds.length;
      });
      return { papers };
    },
  };
}
