import type { Logger } from '../../ports/logger.ts';

/**
 * A service's read-ahead of the generation it opened last (the int8 vector copies, the frequent
 * terms' postings, the graph files read through): the steps run one per event-loop turn, so that
 * searches go on meanwhile; `done()` settles when the latest run has finished or stopped.
 */
export class ReadAhead {
  private latest: Promise<void> = Promise.resolve();

  constructor(private readonly logger?: Logger) {}

  /** Starts reading ahead with `steps` (a generator of one step each); supersedes nothing: runs go on side by side. */
  start(steps: Iterator<unknown>): void {
    this.latest = new Promise<void>((done) => {
      const step = () => {
        try {
          if (!steps.next().done) setImmediate(step);
          else done();
        } catch (error) {
          // A generation replaced meanwhile, its files gone: the searches read what they need.
          this.logger?.debug('index.warm_stopped', { message: (error as Error).message });
          done();
        }
      };
      setImmediate(step);
    });
  }

  done(): Promise<void> {
    return this.latest;
  }
}
