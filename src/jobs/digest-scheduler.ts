import { Cron } from 'croner';
import type { DigestService } from '../app/digests.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * Runs the digest pipeline on a cron schedule inside the service (croner): plan what is due (each
 * subscriber at their hour in their time zone), then send the outbox. `protect` keeps runs from
 * overlapping; a failing run is logged and the next one retries. The outbox makes every run
 * idempotent, and claims are owned and leased, so a restart, an extra run or a `paperboy digest
 * run` at the same time sends nothing twice (docs/digests.md).
 */
export function startDigestScheduler(digests: DigestService, deps: { cron: string; logger: Logger }) {
  let running: Promise<void> | null = null;
  const job = new Cron(deps.cron, { protect: true, catch: (error) => deps.logger.error('digest.run_failed', { message: (error as Error).message }) }, async () => {
    running = (async () => {
      const planned = await digests.plan();
      const sent = await digests.send();
      if (planned.planned + planned.empty + sent.sent + sent.retried + sent.failed > 0) deps.logger.info('digest.run', { ...planned, previews: undefined, ...sent });
    })();
    await running;
    running = null;
  });
  return {
    nextRun: () => job.nextRun(),
    async stop() {
      job.stop();
      await running;
    },
  };
}
