import { PaperboyError } from '../../core/errors.ts';
import type { Clock } from '../../ports/clock.ts';
import type { GitHubRepoAnswer, GitHubSource, RateLimit } from '../../ports/github-source.ts';
import type { Logger } from '../../ports/logger.ts';
import { fetchWithRetry } from '../http-retry.ts';

export interface GitHubClientOptions {
  /** https://api.github.com (a test server otherwise). */
  apiUrl: string;
  /** A token raises the limit from 60 to 5,000 requests an hour; none is needed. */
  token?: string;
  clock: Clock;
  logger: Logger;
  userAgent?: string;
  timeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  signal?: AbortSignal;
}

function rateOf(headers: Headers): RateLimit | null {
  const remaining = headers.get('x-ratelimit-remaining');
  const reset = headers.get('x-ratelimit-reset');
  if (remaining === null || reset === null || !/^\d+$/.test(remaining) || !/^\d+$/.test(reset)) return null;
  return { remaining: Number(remaining), resetAt: Number(reset) * 1000 };
}

/**
 * GitHub's REST API, `GET /repos/{owner}/{repo}` with `If-None-Match` (with a token, a 304 does not
 * count against the rate limit), the optional token, and the `x-ratelimit-*` headers reported back. Renamed
 * repositories answer 301 to their new place, which fetch follows: the new `full_name` tells.
 * 5xx answers are retried with backoff; a spent rate limit is reported, never retried.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubSource {
  const headers = (etag: string | null): Record<string, string> => ({
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': options.userAgent ?? 'Paperboy',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(etag ? { 'if-none-match': etag } : {}),
  });
  return {
    async getRepo(fullName, etag) {
      const [owner, name] = fullName.split('/') as [string, string];
      const url = new URL(`/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`, options.apiUrl).href;
      const response = await fetchWithRetry(url, { headers: headers(etag) }, {
        clock: options.clock, logger: options.logger, upstream: 'github',
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), maxAttempts: options.maxAttempts ?? 3, backoffBaseMs: options.backoffBaseMs ?? 2000,
        retryable: (r) => r.status >= 500, ...(options.signal ? { signal: options.signal } : {}),
      });
      const rate = rateOf(response.headers);
      const answer = async (): Promise<GitHubRepoAnswer> => {
        if (response.status === 304) return { kind: 'not-modified' };
        if (response.status === 404 || response.status === 410 || response.status === 451) return { kind: 'gone', status: response.status };
        if (response.status === 403 || response.status === 429) {
          const retryAfter = response.headers.get('retry-after');
          const resetAt = retryAfter && /^\d+$/.test(retryAfter) ? options.clock.now() + Number(retryAfter) * 1000 : rate && rate.remaining === 0 ? rate.resetAt : null;
          if (resetAt !== null) return { kind: 'rate-limited', resetAt };
          throw new PaperboyError('UPSTREAM_FAILED', `github: ${url} answered HTTP ${response.status} (${(await response.text()).slice(0, 200)}); check PAPERBOY_GITHUB_TOKEN`, { url });
        }
        if (!response.ok) throw new PaperboyError('UPSTREAM_FAILED', `github: ${url} answered HTTP ${response.status}`, { url });
        const body = (await response.json()) as { full_name?: unknown; stargazers_count?: unknown };
        if (typeof body.full_name !== 'string' || typeof body.stargazers_count !== 'number') {
          throw new PaperboyError('UPSTREAM_FAILED', `github: ${url} sent a repository without full_name or stargazers_count`, { url });
        }
        return { kind: 'ok', fullName: body.full_name, stars: body.stargazers_count, etag: response.headers.get('etag') };
      };
      try {
        return { ...(await answer()), rate };
      } finally {
        if (!response.bodyUsed) await response.body?.cancel();
      }
    },
  };
}
