import type { AccountStore, ListedPaper, Session, SignInLink, User, UserList } from '../../ports/account-store.ts';
import { takeChangeCounter } from './change-counter.ts';
import { withTransaction, type Pool } from './database.ts';

interface UserRow { id: number; email: string; created_at: string }
interface LinkRow { token_hash: string; email: string; next_path: string; created_at: string; expires_at: string; used_at: string | null }
interface SessionRow { token_hash: string; user_id: number; created_at: string; expires_at: string }

const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, createdAt: row.created_at });
const toLink = (row: LinkRow): SignInLink => ({ tokenHash: row.token_hash, email: row.email, nextPath: row.next_path, createdAt: row.created_at, expiresAt: row.expires_at });
const toSession = (row: SessionRow): Session => ({ tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at });

const LIST_TABLES: Record<UserList, string> = { library: 'library', hidden: 'hidden_papers', mine: 'my_papers' };
/** Most paper ids one membership question looks at (as the SQLite store: a page of hits is far less). */
const SUBSET_MAX = 500;

/** The PostgreSQL implementation of {@link AccountStore} (users, sign-in links, sessions, votes, lists). */
export function createPostgresAccountStore(pool: Pool): AccountStore {
  const one = async <T extends object>(name: string, text: string, values: unknown[]): Promise<T | undefined> =>
    (await pool.query<T>({ name, text, values })).rows[0];

  const subset = async (table: string, userId: number, paperIds: readonly string[]): Promise<Set<string>> => {
    if (paperIds.length === 0) return new Set();
    const ids = [...new Set(paperIds)].slice(0, SUBSET_MAX);
    const { rows } = await pool.query<{ paper_id: string }>({
      name: `accounts-subset-${table}`,
      text: `SELECT paper_id FROM ${table} WHERE user_id = $1 AND paper_id = ANY($2::text[])`,
      values: [userId, ids],
    });
    return new Set(rows.map((r) => r.paper_id));
  };
  const countVotes = async (paperId: string, db: Pick<Pool, 'query'> = pool) =>
    (await db.query<{ n: number }>({ name: 'accounts-count-votes', text: 'SELECT COUNT(*) AS n FROM votes WHERE paper_id = $1', values: [paperId] })).rows[0]!.n;

  return {
    async findOrCreateUser(email, now) {
      await pool.query({ name: 'accounts-insert-user', text: 'INSERT INTO users (email, created_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING', values: [email, now] });
      return toUser((await one<UserRow>('accounts-user-by-email', 'SELECT * FROM users WHERE email = $1', [email]))!);
    },
    async getUser(id) {
      const row = await one<UserRow>('accounts-user-by-id', 'SELECT * FROM users WHERE id = $1', [id]);
      return row ? toUser(row) : null;
    },
    async saveSignInLink(link) {
      await pool.query({ name: 'accounts-purge-links', text: 'DELETE FROM sign_in_links WHERE expires_at < $1', values: [link.createdAt] });
      await pool.query({
        name: 'accounts-insert-link',
        text: 'INSERT INTO sign_in_links (token_hash, email, next_path, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        values: [link.tokenHash, link.email, link.nextPath, link.createdAt, link.expiresAt],
      });
    },
    async consumeSignInLink(tokenHash, now) {
      // One statement: two instances consuming the same link at once, one of them gets it.
      const row = await one<LinkRow>(
        'accounts-use-link',
        'UPDATE sign_in_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING *',
        [now, tokenHash],
      );
      return row ? toLink(row) : null;
    },
    async createSession(session) {
      await pool.query({ name: 'accounts-purge-sessions', text: 'DELETE FROM sessions WHERE expires_at < $1', values: [session.createdAt] });
      await pool.query({
        name: 'accounts-insert-session',
        text: 'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        values: [session.tokenHash, session.userId, session.createdAt, session.expiresAt],
      });
    },
    async findSession(tokenHash, now) {
      const row = await one<SessionRow & { email: string; user_created_at: string }>(
        'accounts-find-session',
        `SELECT s.*, u.email, u.created_at AS user_created_at FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1 AND s.expires_at > $2`,
        [tokenHash, now],
      );
      return row ? { session: toSession(row), user: toUser({ id: row.user_id, email: row.email, created_at: row.user_created_at }) } : null;
    },
    async deleteSession(tokenHash) {
      await pool.query({ name: 'accounts-delete-session', text: 'DELETE FROM sessions WHERE token_hash = $1', values: [tokenHash] });
    },
    async deleteUserSessions(userId) {
      return (await pool.query({ name: 'accounts-delete-user-sessions', text: 'DELETE FROM sessions WHERE user_id = $1', values: [userId] })).rowCount ?? 0;
    },
    async setVote(userId, paperId, on, now) {
      // A vote that changes the count is a change of the paper in the feed: count and change_seq
      // move in the vote's transaction, under the counter lock (change-counter.ts).
      return withTransaction(pool, async (client) => {
        const counter = await takeChangeCounter(client);
        const write = on
          ? { name: 'accounts-insert-vote', text: 'INSERT INTO votes (user_id, paper_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', values: [userId, paperId, now] }
          : { name: 'accounts-delete-vote', text: 'DELETE FROM votes WHERE user_id = $1 AND paper_id = $2', values: [userId, paperId] };
        const changed = ((await client.query(write)).rowCount ?? 0) > 0;
        const votes = await countVotes(paperId, client);
        if (changed) {
          await client.query({ name: 'accounts-stamp-votes', text: 'UPDATE papers SET local_votes = $1, change_seq = $2 WHERE id = $3', values: [votes, counter.next(), paperId] });
          await counter.store();
        }
        return votes;
      });
    },
    async voteCount(paperId) {
      return countVotes(paperId);
    },
    async voteCounts() {
      const { rows } = await pool.query<{ paper_id: string; n: number }>({ name: 'accounts-vote-counts', text: 'SELECT paper_id, COUNT(*) AS n FROM votes GROUP BY paper_id' });
      return new Map(rows.map((r) => [r.paper_id, r.n]));
    },
    async votedPapers(userId) {
      const { rows } = await pool.query<{ paper_id: string }>({ name: 'accounts-votes-of-user', text: 'SELECT paper_id FROM votes WHERE user_id = $1', values: [userId] });
      return new Set(rows.map((r) => r.paper_id));
    },
    async votedBy(userId, paperIds) {
      return subset('votes', userId, paperIds);
    },
    async inList(list, userId, paperIds) {
      return subset(LIST_TABLES[list], userId, paperIds);
    },
    async setInList(list, userId, paperId, on, now) {
      const table = LIST_TABLES[list];
      await pool.query(on
        ? { name: `accounts-${list}-insert`, text: `INSERT INTO ${table} (user_id, paper_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, values: [userId, paperId, now] }
        : { name: `accounts-${list}-remove`, text: `DELETE FROM ${table} WHERE user_id = $1 AND paper_id = $2`, values: [userId, paperId] });
    },
    async listPapers(list, userId, limit, offset) {
      const table = LIST_TABLES[list];
      const page = await pool.query<{ paper_id: string; created_at: string }>({
        name: `accounts-${list}-page`,
        text: `SELECT paper_id, created_at FROM ${table} WHERE user_id = $1 ORDER BY created_at COLLATE "C" DESC, paper_id COLLATE "C" LIMIT $2 OFFSET $3`,
        values: [userId, limit, offset],
      });
      const total = await one<{ n: number }>(`accounts-${list}-count`, `SELECT COUNT(*) AS n FROM ${table} WHERE user_id = $1`, [userId]);
      return { items: page.rows.map((r): ListedPaper => ({ paperId: r.paper_id, addedAt: r.created_at })), total: total?.n ?? 0 };
    },
    async allInList(list, userId) {
      const { rows } = await pool.query<{ paper_id: string }>({ name: `accounts-${list}-all`, text: `SELECT paper_id FROM ${LIST_TABLES[list]} WHERE user_id = $1`, values: [userId] });
      return new Set(rows.map((r) => r.paper_id));
    },
    async feedGeneration(userId) {
      return (await one<{ g: number }>('accounts-feed-generation', 'SELECT feed_generation AS g FROM users WHERE id = $1', [userId]))?.g ?? null;
    },
    async renewFeedGeneration(userId) {
      const row = await one<{ g: number }>('accounts-renew-feed', 'UPDATE users SET feed_generation = feed_generation + 1 WHERE id = $1 RETURNING feed_generation AS g', [userId]);
      if (!row) throw new Error(`no user ${userId}`);
      return row.g;
    },
  };
}
