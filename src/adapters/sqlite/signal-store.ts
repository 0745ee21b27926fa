import { githubRepoKey } from '../../core/github-repo.ts';
import type { SignalGains } from '../../core/trending.ts';
import type { GitHubRepoState, RepoCandidate, SignalObservation, SignalStore } from '../../ports/signal-store.ts';
import type { SqliteDb } from './database.ts';

/** Totals kept as daily series: their gain in a window is an increase, not a sum. */
const TOTALS = [
  { source: 'huggingface', name: 'upvotes', key: 'hfUpvotes', fromZero: true },
  { source: 'github', name: 'stars', key: 'githubStars', fromZero: false },
] as const;

type RepoRow = { repo: string; full_name: string | null; etag: string | null; stars: number | null; status: 'ok' | 'gone'; checked_at: string | null };
const toState = (r: RepoRow): GitHubRepoState => ({ repo: r.repo, fullName: r.full_name, etag: r.etag, stars: r.stars, status: r.status, checkedAt: r.checked_at });
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The SQLite implementation of {@link SignalStore} (tables of migration 9, plus votes and library). */
export function createSqliteSignalStore(db: SqliteDb, deps: { now?: () => string } = {}): SignalStore {
  const now = deps.now ?? (() => new Date().toISOString());
  const seqOf = db.prepare('SELECT seq FROM papers WHERE id = ?').pluck();
  const put = {
    replace: db.prepare(
      `INSERT INTO paper_signal_days (paper_seq, source, name, day, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (paper_seq, source, name, day) DO UPDATE SET value = excluded.value`,
    ),
    max: db.prepare(
      `INSERT INTO paper_signal_days (paper_seq, source, name, day, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (paper_seq, source, name, day) DO UPDATE SET value = MAX(value, excluded.value)`,
    ),
  };
  // Papers with a value in the window (a range of the day index), then three primary-key seeks
  // each: the last value in the window, the last before it, the first in it.
  const totalsIn = db.prepare(
    `WITH w AS (SELECT DISTINCT paper_seq FROM paper_signal_days WHERE source = :source AND name = :name AND day BETWEEN :from AND :to)
     SELECT p.id AS id,
       (SELECT value FROM paper_signal_days x WHERE x.paper_seq = w.paper_seq AND x.source = :source AND x.name = :name AND x.day <= :to ORDER BY x.day DESC LIMIT 1) AS last,
       (SELECT value FROM paper_signal_days x WHERE x.paper_seq = w.paper_seq AND x.source = :source AND x.name = :name AND x.day < :from ORDER BY x.day DESC LIMIT 1) AS before,
       (SELECT value FROM paper_signal_days x WHERE x.paper_seq = w.paper_seq AND x.source = :source AND x.name = :name AND x.day >= :from ORDER BY x.day LIMIT 1) AS first
       FROM w JOIN papers p ON p.seq = w.paper_seq`,
  );
  const readersIn = db.prepare(
    `SELECT p.id AS id, SUM(d.value) AS n FROM paper_signal_days d JOIN papers p ON p.seq = d.paper_seq
      WHERE d.source = 'paperboy' AND d.name = 'readers' AND d.day BETWEEN ? AND ? GROUP BY d.paper_seq`,
  );
  // created_at is an ISO timestamp: the window's days are [from, to + 1 day).
  const savesIn = db.prepare('SELECT paper_id AS id, COUNT(*) AS n FROM library WHERE created_at >= ? AND created_at < ? GROUP BY paper_id');
  const votesIn = db.prepare('SELECT paper_id AS id, COUNT(*) AS n FROM votes WHERE created_at >= ? AND created_at < ? GROUP BY paper_id');
  const linking = db.prepare(
    `SELECT p.id AS id, p.links AS links, s.value AS repo, COALESCE(p.announced_at, SUBSTR(p.submitted_at, 1, 10), '') AS date,
            COALESCE((SELECT MAX(day) FROM paper_signal_days d WHERE d.paper_seq = p.seq), '') AS active
       FROM papers p LEFT JOIN paper_signals s ON s.paper_seq = p.seq AND s.source = 'github' AND s.name = 'repo'
      WHERE p.deleted = 0 AND (s.value IS NOT NULL OR p.links LIKE '%github.com/%')`,
  );
  const repoRows = db.prepare('SELECT * FROM github_repos');
  const tracked = db.prepare("SELECT 1 FROM github_repos WHERE repo = ? AND status = 'ok' AND stars IS NOT NULL").pluck();
  const upsertRepo = db.prepare(
    `INSERT INTO github_repos (repo, full_name, etag, stars, status, checked_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (repo) DO UPDATE SET full_name = excluded.full_name, etag = excluded.etag, stars = excluded.stars,
       status = excluded.status, checked_at = excluded.checked_at`,
  );
  const currentStars = db.prepare("SELECT value FROM paper_signals WHERE paper_seq = ? AND source = 'github' AND name = 'stars'").pluck();
  const setStars = db.prepare(
    `INSERT INTO paper_signals (paper_seq, source, name, value, observed_at) VALUES (?, 'github', 'stars', ?, ?)
     ON CONFLICT (paper_seq, source, name) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at`,
  );
  // The search index re-reads changed papers: new star totals reach search's sort=trending. With the
  // change feed (migration 8, when present) the paper also takes the next change_seq, inside this
  // write transaction, as the paper store's own writes do.
  const touch = db.prepare('UPDATE papers SET last_changed_at = ? WHERE seq = ?');
  const hasChangeFeed = db.prepare("SELECT 1 FROM pragma_table_info('papers') WHERE name = 'change_seq'").get() !== undefined;
  const nextChange = hasChangeFeed ? db.prepare('UPDATE change_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq').pluck() : null;
  const touchChange = hasChangeFeed ? db.prepare('UPDATE papers SET change_seq = ? WHERE seq = ?') : null;

  /** Papers linking each repository, with their latest activity. */
  function linksByRepo(): Map<string, { ids: string[]; lastActive: string | null; newest: string }> {
    const out = new Map<string, { ids: string[]; lastActive: string | null; newest: string }>();
    for (const row of linking.all() as { id: string; links: string; repo: string | null; date: string; active: string }[]) {
      const fromSignal = row.repo === null ? null : (JSON.parse(row.repo) as unknown);
      const key = githubRepoKey(typeof fromSignal === 'string' ? fromSignal : null) ?? githubRepoKey((JSON.parse(row.links) as { code?: string }).code);
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

  const recordAll = db.transaction((observations: readonly SignalObservation[], mode: 'replace' | 'max') => {
    let stored = 0;
    let unknownPapers = 0;
    for (const o of observations) {
      const seq = seqOf.get(o.paperId) as number | undefined;
      if (seq === undefined || !Number.isFinite(o.value)) {
        unknownPapers++;
        continue;
      }
      put[mode].run(seq, o.source, o.name, o.day, o.value);
      stored++;
    }
    return { stored, unknownPapers };
  });

  const saveRepoTx = db.transaction((state: GitHubRepoState, day: string, ids: readonly string[]) => {
    upsertRepo.run(state.repo, state.fullName, state.etag, state.stars, state.status, state.checkedAt);
    if (state.status !== 'ok' || state.stars === null) return 0;
    const stamp = now();
    for (const id of ids) {
      const seq = seqOf.get(id) as number | undefined;
      if (seq === undefined) continue;
      put.replace.run(seq, 'github', 'stars', day, state.stars);
      const before = currentStars.get(seq) as string | undefined;
      if (before !== JSON.stringify(state.stars)) {
        setStars.run(seq, JSON.stringify(state.stars), stamp);
        touch.run(stamp, seq);
        if (nextChange && touchChange) touchChange.run(nextChange.get() as number, seq);
      }
    }
    return ids.length;
  });

  return {
    async record(observations, mode = 'replace') {
      return recordAll.immediate(observations, mode);
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
        const rows = totalsIn.all({ source: total.source, name: total.name, from, to }) as { id: string; last: number; before: number | null; first: number }[];
        for (const r of rows) add(r.id, total.key, r.last - (r.before ?? (total.fromZero ? 0 : r.first)));
      }
      for (const r of readersIn.all(from, to) as { id: string; n: number }[]) add(r.id, 'readers', r.n);
      const end = nextDay(to);
      for (const r of savesIn.all(from, end) as { id: string; n: number }[]) add(r.id, 'saves', r.n);
      for (const r of votesIn.all(from, end) as { id: string; n: number }[]) add(r.id, 'localVotes', r.n);
      return out;
    },

    async trackedRepos(keys) {
      return new Set(keys.filter((key) => tracked.get(key) !== undefined));
    },

    async reposToRefresh(limit, checkedBefore) {
      const states = new Map((repoRows.all() as RepoRow[]).map((r) => [r.repo, toState(r)]));
      const candidates: (RepoCandidate & { newest: string })[] = [];
      for (const [repo, links] of linksByRepo()) {
        const state = states.get(repo) ?? { repo, fullName: null, etag: null, stars: null, status: 'ok' as const, checkedAt: null };
        if (state.status === 'gone' || (state.checkedAt !== null && state.checkedAt > checkedBefore)) continue;
        candidates.push({ ...state, lastActive: links.lastActive, paperIds: links.ids, newest: links.newest });
      }
      // Most recently active first; among equals the newest paper, then the longest unchecked.
      candidates.sort((a, b) => (b.lastActive ?? '').localeCompare(a.lastActive ?? '') || b.newest.localeCompare(a.newest) || (a.checkedAt ?? '').localeCompare(b.checkedAt ?? '') || a.repo.localeCompare(b.repo));
      return candidates.slice(0, limit).map(({ newest: _newest, ...c }) => c);
    },

    async saveRepo(state, day, paperIds) {
      return { papers: saveRepoTx.immediate(state, day, paperIds) };
    },
  };
}
