import type { Statement } from 'better-sqlite3';
import type { AccountStore, ListedPaper, Session, SignInLink, User, UserList } from '../../ports/account-store.ts';
import { changeCounter } from './change-counter.ts';
import type { SqliteDb } from './database.ts';

interface UserRow { id: number; email: string; created_at: string }
interface LinkRow { token_hash: string; email: string; next_path: string; created_at: string; expires_at: string; used_at: string | null }
interface SessionRow { token_hash: string; user_id: number; created_at: string; expires_at: string }

const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, createdAt: row.created_at });
const toLink = (row: LinkRow): SignInLink => ({ tokenHash: row.token_hash, email: row.email, nextPath: row.next_path, createdAt: row.created_at, expiresAt: row.expires_at });
const toSession = (row: SessionRow): Session => ({ tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at });

const LIST_TABLES: Record<UserList, string> = { library: 'library', hidden: 'hidden_papers', mine: 'my_papers' };

/** Accounts in the same SQLite file as the papers (migration 3). */
export function createSqliteAccountStore(db: SqliteDb): AccountStore {
  const insertUser = db.prepare('INSERT INTO users (email, created_at) VALUES (?, ?) ON CONFLICT (email) DO NOTHING');
  const userByEmail = db.prepare('SELECT * FROM users WHERE email = ?');
  const userById = db.prepare('SELECT * FROM users WHERE id = ?');
  const insertLink = db.prepare('INSERT INTO sign_in_links (token_hash, email, next_path, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const useLink = db.prepare('UPDATE sign_in_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING *');
  const purgeLinks = db.prepare('DELETE FROM sign_in_links WHERE expires_at < ?');
  const insertSession = db.prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  const sessionByHash = db.prepare('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?');
  const deleteSession = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
  const deleteUserSessions = db.prepare('DELETE FROM sessions WHERE user_id = ?');
  const purgeSessions = db.prepare('DELETE FROM sessions WHERE expires_at < ?');
  const insertVote = db.prepare('INSERT INTO votes (user_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const deleteVote = db.prepare('DELETE FROM votes WHERE user_id = ? AND paper_id = ?');
  const countVotes = db.prepare('SELECT COUNT(*) AS n FROM votes WHERE paper_id = ?');
  const allVoteCounts = db.prepare('SELECT paper_id, COUNT(*) AS n FROM votes GROUP BY paper_id');
  const votesOfUser = db.prepare('SELECT paper_id FROM votes WHERE user_id = ?');
  const feedGeneration = db.prepare('SELECT feed_generation AS g FROM users WHERE id = ?');
  const renewFeedGeneration = db.prepare('UPDATE users SET feed_generation = feed_generation + 1 WHERE id = ? RETURNING feed_generation AS g');
  const lists = Object.fromEntries(
    (Object.entries(LIST_TABLES) as [UserList, string][]).map(([list, table]) => [
      list,
      {
        insert: db.prepare(`INSERT INTO ${table} (user_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
        remove: db.prepare(`DELETE FROM ${table} WHERE user_id = ? AND paper_id = ?`),
        page: db.prepare(`SELECT paper_id, created_at FROM ${table} WHERE user_id = ? ORDER BY created_at DESC, paper_id LIMIT ? OFFSET ?`),
        count: db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`),
        all: db.prepare(`SELECT paper_id FROM ${table} WHERE user_id = ?`),
      },
    ]),
  ) as Record<UserList, Record<'insert' | 'remove' | 'page' | 'count' | 'all', Statement<unknown[]>>>;

  const subset = (table: string, userId: number, paperIds: readonly string[]): Set<string> => {
    if (paperIds.length === 0) return new Set();
    const ids = [...new Set(paperIds)].slice(0, 500);
    const rows = db.prepare(`SELECT paper_id FROM ${table} WHERE user_id = ? AND paper_id IN (${ids.map(() => '?').join(',')})`).all(userId, ...ids) as { paper_id: string }[];
    return new Set(rows.map((r) => r.paper_id));
  };

  // A vote that changes the count is a change of the paper in the feed (change-counter.ts): the
  // paper's count and change_seq move in the vote's transaction, so other processes see the vote.
  const counter = changeCounter(db);
  const stampVotes = db.prepare('UPDATE papers SET local_votes = ?, change_seq = ? WHERE id = ?');
  const setVote = db.transaction((userId: number, paperId: string, on: boolean, now: string) => counter.within((nextChangeSeq) => {
    const changed = (on ? insertVote.run(userId, paperId, now) : deleteVote.run(userId, paperId)).changes > 0;
    const votes = (countVotes.get(paperId) as { n: number }).n;
    if (changed) stampVotes.run(votes, nextChangeSeq(), paperId);
    return votes;
  }));

  return {
    async findOrCreateUser(email, now) {
      insertUser.run(email, now);
      return toUser(userByEmail.get(email) as UserRow);
    },
    async getUser(id) {
      const row = userById.get(id) as UserRow | undefined;
      return row ? toUser(row) : null;
    },
    async saveSignInLink(link) {
      purgeLinks.run(link.createdAt);
      insertLink.run(link.tokenHash, link.email, link.nextPath, link.createdAt, link.expiresAt);
    },
    async consumeSignInLink(tokenHash, now) {
      const row = useLink.get(now, tokenHash, now) as LinkRow | undefined;
      return row ? toLink(row) : null;
    },
    async createSession(session) {
      purgeSessions.run(session.createdAt);
      insertSession.run(session.tokenHash, session.userId, session.createdAt, session.expiresAt);
    },
    async findSession(tokenHash, now) {
      const row = sessionByHash.get(tokenHash, now) as SessionRow | undefined;
      if (!row) return null;
      const user = userById.get(row.user_id) as UserRow | undefined;
      return user ? { session: toSession(row), user: toUser(user) } : null;
    },
    async deleteSession(tokenHash) {
      deleteSession.run(tokenHash);
    },
    async deleteUserSessions(userId) {
      return deleteUserSessions.run(userId).changes;
    },
    async setVote(userId, paperId, on, now) {
      return setVote.immediate(userId, paperId, on, now);
    },
    async voteCount(paperId) {
      return (countVotes.get(paperId) as { n: number }).n;
    },
    async voteCounts() {
      return new Map((allVoteCounts.all() as { paper_id: string; n: number }[]).map((r) => [r.paper_id, r.n]));
    },
    async votedPapers(userId) {
      return new Set((votesOfUser.all(userId) as { paper_id: string }[]).map((r) => r.paper_id));
    },
    async votedBy(userId, paperIds) {
      return subset('votes', userId, paperIds);
    },
    async inList(list, userId, paperIds) {
      return subset(LIST_TABLES[list], userId, paperIds);
    },
    async setInList(list, userId, paperId, on, now) {
      if (on) lists[list].insert.run(userId, paperId, now);
      else lists[list].remove.run(userId, paperId);
    },
    async listPapers(list, userId, limit, offset) {
      const items = (lists[list].page.all(userId, limit, offset) as { paper_id: string; created_at: string }[])
        .map((r): ListedPaper => ({ paperId: r.paper_id, addedAt: r.created_at }));
      return { items, total: (lists[list].count.get(userId) as { n: number }).n };
    },
    async allInList(list, userId) {
      return new Set((lists[list].all.all(userId) as { paper_id: string }[]).map((r) => r.paper_id));
    },
    async feedGeneration(userId) {
      return (feedGeneration.get(userId) as { g: number } | undefined)?.g ?? null;
    },
    async renewFeedGeneration(userId) {
      const row = renewFeedGeneration.get(userId) as { g: number } | undefined;
      if (!row) throw new Error(`no user ${userId}`);
      return row.g;
    },
  };
}
