/**
 * Composition of the trending signals: the trending service, the Hugging Face harvest, the GitHub
 * refresh, the reader counter and their schedules inside `serve`.
 */
import { createGitHubClient } from '../adapters/github/github-client.ts';
import { createHfDailyClient } from '../adapters/hf/hf-daily-client.ts';
import { createGitHubStarsRefresher } from '../app/github-stars.ts';
import { harvestHfDaily, type HfHarvestOptions } from '../app/hf-harvest.ts';
import { createReaderCounter } from '../app/reader-signals.ts';
import { createTrendingService, type TrendingServiceOptions } from '../app/trending.ts';
import type { Config } from '../config/load-config.ts';
import { startBackgroundLoop } from '../jobs/background-loop.ts';
import { startSignalJobs } from '../jobs/signal-jobs.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { SignalStore } from '../ports/signal-store.ts';

export function createSignalServices(deps: { config: Config; store: PaperStore; signals: SignalStore; clock: Clock; logger: Logger; userAgent: string }, options: { trending?: TrendingServiceOptions } = {}) {
  const { config, store, signals, clock, logger, userAgent } = deps;
  const trending = createTrendingService({ signals, clock }, options.trending);
  const readers = config.readerSignals ? createReaderCounter({ signals, clock, logger }) : null;
  const hfSource = (signal?: AbortSignal) => createHfDailyClient({
    baseUrl: config.hf.baseUrl, clock, logger, userAgent, timeoutMs: config.hf.timeoutMs, maxAttempts: config.hf.maxAttempts,
    backoffBaseMs: config.hf.backoffBaseMs, minIntervalMs: config.hf.minIntervalMs, ...(signal ? { signal } : {}),
  });
  const harvestHf = (options: HfHarvestOptions, signal?: AbortSignal) =>
    harvestHfDaily({ store, signals, source: hfSource(signal), clock, logger }, { initialDays: config.hf.initialDays, rereadDays: config.hf.rereadDays, ...options });

  return {
    trending,
    readers,
    harvestHf: (options: HfHarvestOptions) => harvestHf(options),
    /** Starts the Hugging Face and GitHub schedules (in the one process that schedules: scheduler-lock.ts). */
    startSchedules() {
      const abort = new AbortController();
      const github = createGitHubClient({ apiUrl: config.github.apiUrl, clock, logger, userAgent, signal: abort.signal, ...(config.github.token ? { token: config.github.token } : {}) });
      const refreshStars = createGitHubStarsRefresher({ signals, github, clock, logger }, { reposPerRun: config.github.reposPerRun, recheckAfterMs: config.github.recheckMinutes * 60_000 });
      const jobs = startSignalJobs([
        { name: 'hf', cron: config.hf.schedule, run: async () => {
          const report = await harvestHf({}, abort.signal);
          logger.info('hf.run', { from: report.from, until: report.until, days: report.days, observations: report.observations, ...report.counts });
          trending.invalidate();
        } },
        { name: 'github', cron: config.github.schedule, run: async () => {
          await refreshStars();
          trending.invalidate();
        } },
      ], { logger, abort });
      logger.info('signals.schedules', { hf: config.hf.schedule, github: config.github.schedule, githubToken: config.github.token ? 'set' : 'none', readers: config.readerSignals });
      return jobs;
    },
    /** Starts flushing the reader counts every minute (in every process). */
    startReaders() {
      const flushing = readers
        ? startBackgroundLoop('readers', async () => {
            await readers.flush();
            return { more: false };
          }, { logger, intervalMs: 60_000 })
        : null;
      return {
        async stop() {
          await flushing?.stop();
          await readers?.flush().catch((error: Error) => logger.warn('readers.flush_failed', { message: error.message }));
        },
      };
    },
  };
}
