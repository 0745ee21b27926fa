import { describeError, PaperboyError } from '../core/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { parseRetryAfter } from './arxiv/oai-http-client.ts';

export interface RetryOptions {
  clock: Clock;
  logger: Logger;
  /** Names the upstream in messages and log events: 'huggingface', 'github'. */
  upstream: string;
  timeoutMs?: number;
  /** Attempts per request for 429, 5xx and network failures. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this is a failure rather than waited out. */
  maxRetryAfterMs?: number;
  random?: () => number;
  /** Aborts the request and any wait (the service is stopping). */
  signal?: AbortSignal;
  /** Which answers are retried (default: 429 and 5xx); any other is returned to the caller. */
  retryable?: (response: Response) => boolean;
}

const defaultRetryable = (response: Response) => response.status === 429 || response.status >= 500;

/**
 * fetch with retries: 429 and 5xx (or what `retryable` says) wait for Retry-After (seconds or a date) when given, else an
 * exponential backoff with full jitter; network errors and timeouts likewise. Any other status is
 * returned to the caller. Throws UPSTREAM_FAILED once the attempts are spent.
 */
export async function fetchWithRetry(url: string, init: RequestInit, options: RetryOptions): Promise<Response> {
  const { clock, logger, upstream, timeoutMs = 30_000, maxAttempts = 5, backoffBaseMs = 2000, backoffMaxMs = 60_000, maxRetryAfterMs = 600_000, random = Math.random, retryable = defaultRetryable, signal } = options;
  let last = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let waitMs: number;
    try {
      const response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
      if (!retryable(response)) return response;
      await response.body?.cancel();
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), clock.now());
      if (retryAfter !== null && retryAfter > maxRetryAfterMs) {
        throw new PaperboyError('UPSTREAM_FAILED', `${upstream} asks to retry ${url} after ${Math.round(retryAfter / 1000)} s (HTTP ${response.status}), longer than the ${Math.round(maxRetryAfterMs / 1000)} s limit; try again later`, { url });
      }
      last = `HTTP ${response.status}`;
      waitMs = retryAfter ?? Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1)) * random();
    } catch (error) {
      if (error instanceof PaperboyError || signal?.aborted) throw error;
      last = describeError(error);
      waitMs = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1)) * random();
    }
    if (attempt < maxAttempts) {
      logger.warn(`${upstream}.retry`, { url, attempt, reason: last, waitMs: Math.round(waitMs) });
      await abortable(clock.sleep(waitMs), signal);
    }
  }
  throw new PaperboyError('UPSTREAM_FAILED', `${upstream}: ${url} failed ${maxAttempts} times (last: ${last}); the next run tries again`, { url });
}

/** Resolves with `wait`, or rejects as soon as `signal` aborts. */
function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void wait.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
