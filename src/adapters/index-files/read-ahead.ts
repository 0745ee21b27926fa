import type { PostingsCache } from '../../core/search/segment/postings-cache.ts';
import type { Logger } from '../../ports/logger.ts';
import { READ_AHEAD_POSTINGS_BYTES } from './index-directory-options.ts';

/**
 * Postings bytes a service reads ahead after opening a generation (each process, after each open):
 * what the cache has free, at most 3/4 of it and at most `bound` (frequent lists are taken while
 * their estimated size fits, so the bound is on that estimate).
 */
export function postingsToReadAhead(cache: PostingsCache | null, bound = READ_AHEAD_POSTINGS_BYTES): number {
  if (!cache) return 0;
  return Math.min(cache.free, Math.floor((cache.budget * 3) / 4), bound);
}

/**
 * A service's read-ahead of the generation it opened last (the int8 vector copies, the frequent
 * terms' postings, the graph files read through): the steps run one per event-loop turn, so that
 * searches go on meanwhile; a step that yields a number asks for that many milliseconds' pause
 * first. `done()` settles when the latest run has finished or stopped.
 */
export class ReadAhead {
  private latest: Promise<void> = Promise.resolve();

  constructor(private readonly logger?: Logger) {}

  /** Starts reading ahead with `steps` (a generator of one step each); supersedes nothing: runs go on side by side. */
  start(steps: Iterator<unknown>): void {
    this.latest = new Promise<void>((done) => {
      const step = () => {
        try {
          const next = steps.next();
          if (next.done) done();
          else if (typeof next.value === 'number') setTimeout(step, next.value);
          else setImmediate(step);
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
