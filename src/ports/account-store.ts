/** Readers' accounts: passwordless sign-in, sessions, votes, library and hidden papers. */

export interface User {
  id: number;
  email: string;
  createdAt: string;
}

export interface SignInLink {
  /** SHA-256 (hex) of the emailed token; the token itself is never stored. */
  tokenHash: string;
  email: string;
  /** Where to go after signing in (a local path). */
  nextPath: string;
  createdAt: string;
  expiresAt: string;
}

export interface Session {
  tokenHash: string;
  userId: number;
  createdAt: string;
  expiresAt: string;
}

/** A paper a user keeps in a list (library, hidden or "my papers"), newest first. */
export interface ListedPaper {
  paperId: string;
  addedAt: string;
}

/** library: saved papers; hidden: hidden papers ("not interested"); mine: the reader's own papers (recommendations' likes). */
export type UserList = 'library' | 'hidden' | 'mine';

export interface AccountStore {
  /** The user with this (lower-cased) email, created on first sign-in. */
  findOrCreateUser(email: string, now: string): Promise<User>;
  getUser(id: number): Promise<User | null>;
  saveSignInLink(link: SignInLink): Promise<void>;
  /** Marks the link used and returns it, atomically; null when unknown, used or expired. */
  consumeSignInLink(tokenHash: string, now: string): Promise<SignInLink | null>;
  createSession(session: Session): Promise<void>;
  /** The live session with this hash (not expired), with its user. */
  findSession(tokenHash: string, now: string): Promise<{ session: Session; user: User } | null>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Sign out everywhere: removes every session of the user; returns how many. */
  deleteUserSessions(userId: number): Promise<number>;
  /** Sets or clears one vote; returns the paper's vote count afterwards. */
  setVote(userId: number, paperId: string, on: boolean, now: string): Promise<number>;
  voteCount(paperId: string): Promise<number>;
  /** Local vote counts of every paper with at least one vote. */
  voteCounts(): Promise<Map<string, number>>;
  /** Every paper id the user voted for (their ratings, for recommendations). */
  votedPapers(userId: number): Promise<Set<string>>;
  /** Which of `paperIds` the user voted for / keeps in a list. */
  votedBy(userId: number, paperIds: readonly string[]): Promise<Set<string>>;
  inList(list: UserList, userId: number, paperIds: readonly string[]): Promise<Set<string>>;
  setInList(list: UserList, userId: number, paperId: string, on: boolean, now: string): Promise<void>;
  listPapers(list: UserList, userId: number, limit: number, offset: number): Promise<{ items: ListedPaper[]; total: number }>;
  /** Every paper id in the user's list (hidden papers are filtered out of listings). */
  allInList(list: UserList, userId: number): Promise<Set<string>>;
  /** The generation of the user's private feed token (0 until revoked once); null for an unknown user. */
  feedGeneration(userId: number): Promise<number | null>;
  /** Revokes every private feed token of the user: bumps the generation and returns the new one. */
  renewFeedGeneration(userId: number): Promise<number>;
}
