/** Rate-limit state an API reported with its last answer. */
export interface RateLimit {
  remaining: number;
  /** When the limit resets (ms since the epoch). */
  resetAt: number;
}

/** What GET /repos/{owner}/{repo} said. */
export type GitHubRepoAnswer =
  | { kind: 'ok'; fullName: string; stars: number; etag: string | null }
  /** 304: the stored ETag still matches; nothing changed and no rate limit was spent. */
  | { kind: 'not-modified' }
  /** 404, 410 or 451: deleted, made private or blocked. */
  | { kind: 'gone'; status: number }
  /** The rate limit is spent (or a secondary limit hit): nothing more before `resetAt`. */
  | { kind: 'rate-limited'; resetAt: number };

/** The repository API: one conditional request per repository. */
export interface GitHubSource {
  getRepo(fullName: string, etag: string | null): Promise<GitHubRepoAnswer & { rate: RateLimit | null }>;
}
