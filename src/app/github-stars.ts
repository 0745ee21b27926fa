import { dayOf } from '../core/periods.ts';
import type { Clock } from '../ports/clock.ts';
import type { GitHubSource } from '../ports/github-source.ts';
import type { Logger } from '../ports/logger.ts';
import type { SignalStore } from '../ports/signal-store.ts';

export interface GitHubStarsOptions {
  /** Repositories asked about per run at most (default 50: an hourly run fits the 60 an hour allowed without a token). */
  reposPerRun?: number;
  /** A repository checked less than this long ago waits for a later run (default 6 hours). */
  recheckAfterMs?: number;
}

export interface GitHubStarsReport {
  checked: number;
  updated: number;
  notModified: number;
  renamed: number;
  gone: number;
  /** Repositories whose answer was an error after retries (5xx, an unexpected body): skipped until their next turn. */
  failed: number;
  /** The run stopped early: the rate limit is spent until this time (ISO), else null. */
  rateLimitedUntil: string | null;
}

/**
 * Keeps GitHub stars of linked repositories fresh: the most recently active papers' repositories
 * first, a bounded number per run, each with its stored ETag (an unchanged repository costs a 304,
 * which GitHub does not count when the request carries a token). Stars go into the daily series of every paper linking the
 * repository, so trending sees stars gained. A renamed repository is followed and its new name
 * kept; a deleted one (404/451) is marked gone and not asked about again. When the limit is spent
 * the run stops, and later runs wait for its reset.
 */
export function createGitHubStarsRefresher(deps: { signals: SignalStore; github: GitHubSource; clock: Clock; logger: Logger }, options: GitHubStarsOptions = {}) {
  const reposPerRun = options.reposPerRun ?? 50;
  const recheckAfterMs = options.recheckAfterMs ?? 6 * 3_600_000;
  let blockedUntil = 0;

  return async function refreshStars(): Promise<GitHubStarsReport> {
    const report: GitHubStarsReport = { checked: 0, updated: 0, notModified: 0, renamed: 0, gone: 0, failed: 0, rateLimitedUntil: null };
    if (deps.clock.now() < blockedUntil) {
      report.rateLimitedUntil = new Date(blockedUntil).toISOString();
      return report;
    }
    const checkedBefore = new Date(deps.clock.now() - recheckAfterMs).toISOString();
    for (const repo of await deps.signals.reposToRefresh(reposPerRun, checkedBefore)) {
      let answer: Awaited<ReturnType<GitHubSource['getRepo']>>;
      try {
        answer = await deps.github.getRepo(repo.fullName ?? repo.repo, repo.etag);
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        // One repository GitHub cannot answer for (5xx after retries, access blocked, an odd body)
        // must not stop the others: it is marked checked, so the next runs move on past it.
        report.failed++;
        deps.logger.warn('github.repo_failed', { repo: repo.repo, message: (error as Error).message });
        const now = deps.clock.now();
        await deps.signals.saveRepo({ ...repo, checkedAt: new Date(now).toISOString() }, dayOf(now), repo.paperIds);
        continue;
      }
      const now = deps.clock.now();
      const day = dayOf(now);
      const checkedAt = new Date(now).toISOString();
      if (answer.kind === 'rate-limited') {
        blockedUntil = answer.resetAt;
        report.rateLimitedUntil = new Date(answer.resetAt).toISOString();
        deps.logger.warn('github.rate_limited', { repo: repo.repo, until: report.rateLimitedUntil });
        break;
      }
      report.checked++;
      if (answer.kind === 'not-modified') {
        report.notModified++;
        // Unchanged: today's point of the series is the stored count.
        await deps.signals.saveRepo({ ...repo, checkedAt }, day, repo.paperIds);
      } else if (answer.kind === 'gone') {
        report.gone++;
        deps.logger.info('github.repo_gone', { repo: repo.repo, status: answer.status });
        await deps.signals.saveRepo({ ...repo, status: 'gone', checkedAt }, day, repo.paperIds);
      } else {
        const renamed = answer.fullName.toLowerCase() !== (repo.fullName ?? repo.repo).toLowerCase();
        if (renamed) {
          report.renamed++;
          deps.logger.info('github.repo_renamed', { repo: repo.repo, from: repo.fullName ?? repo.repo, to: answer.fullName });
        }
        report.updated++;
        await deps.signals.saveRepo({ repo: repo.repo, fullName: answer.fullName, etag: answer.etag, stars: answer.stars, status: 'ok', checkedAt }, day, repo.paperIds);
      }
      if (answer.rate && answer.rate.remaining === 0) {
        blockedUntil = answer.rate.resetAt;
        report.rateLimitedUntil = new Date(answer.rate.resetAt).toISOString();
        break;
      }
    }
    deps.logger.info('github.run', { ...report });
    return report;
  };
}
