import { describeError, PaperboyError } from '../../core/errors.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { OaiListRequest, OaiPage, OaiSource } from '../../ports/oai-source.ts';
import type { SourceItem } from '../../ports/record-source.ts';
import { readOaiEvents } from '../formats/xml-readers.ts';

export interface OaiHttpOptions {
  baseUrl: string;
  clock: Clock;
  logger: Logger;
  /** arXiv asks for at most one request every 3 seconds. */
  minIntervalMs?: number;
  timeoutMs?: number;
  /** Attempts per page for failures (network, 5xx, malformed pages); Retry-After waits are counted apart. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this is treated as a failure rather than waited out. */
  maxRetryAfterMs?: number;
  maxRetryAfterWaits?: number;
  userAgent?: string;
  random?: () => number;
  /** A page whose (decompressed) body is longer is refused: arXiv's pages are a few MB. */
  maxPageBytes?: number;
  /** A page with more records is refused: arXiv sends 1,000 per page. */
  maxPageRecords?: number;
}

class Retryable extends Error {}

/**
 * OAI-PMH client for arXiv over HTTP (Node's fetch): one request per `minIntervalMs`, a timeout per
 * request, 503/429 with Retry-After honoured, other failures retried with exponential backoff and full
 * jitter, and every page parsed completely before it is returned, so that a truncated page is retried
 * instead of half-imported.
 */
export function createOaiHttpClient(options: OaiHttpOptions): OaiSource {
  const {
    baseUrl, clock, logger, minIntervalMs = 3000, timeoutMs = 60_000, maxAttempts = 5, backoffBaseMs = 5000,
    backoffMaxMs = 120_000, maxRetryAfterMs = 600_000, maxRetryAfterWaits = 10, random = Math.random,
    userAgent = 'Paperboy/0.1 (self-hosted paper discovery)', maxPageBytes = 32 * 1024 * 1024, maxPageRecords = 10_000,
  } = options;
  let lastRequestAt = -Infinity;

  async function politeWait(extraMs = 0): Promise<void> {
    const wait = Math.max(lastRequestAt + minIntervalMs - clock.now(), extraMs);
    if (wait > 0) await clock.sleep(wait);
  }

  function urlFor(request: OaiListRequest | { resumptionToken: string }): string {
    const url = new URL(baseUrl);
    url.searchParams.set('verb', 'ListRecords');
    if ('resumptionToken' in request) url.searchParams.set('resumptionToken', request.resumptionToken);
    else {
      url.searchParams.set('metadataPrefix', request.metadataPrefix);
      if (request.set) url.searchParams.set('set', request.set);
      if (request.from) url.searchParams.set('from', request.from);
      if (request.until) url.searchParams.set('until', request.until);
    }
    return url.href;
  }

  async function fetchOnce(url: string): Promise<{ retryAfterMs: number } | OaiPage> {
    try {
      let response: Response;
      try {
        response = await fetch(url, { headers: { 'user-agent': userAgent, accept: 'application/xml, text/xml' }, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw networkFailure(error);
      }
      if (response.status === 503 || response.status === 429) {
        await response.body?.cancel();
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
        if (retryAfterMs === null) throw new Retryable(`HTTP ${response.status} without Retry-After`);
        if (retryAfterMs > maxRetryAfterMs) {
          throw new PaperboyError('UPSTREAM_FAILED', `arXiv asks to retry after ${Math.round(retryAfterMs / 1000)} s (HTTP ${response.status} Retry-After), longer than the ${Math.round(maxRetryAfterMs / 1000)} s limit; try again later`, { url });
        }
        return { retryAfterMs };
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new Retryable(`HTTP ${response.status}`);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new PaperboyError('UPSTREAM_FAILED', `arXiv answered HTTP ${response.status} for ${url}; check the OAI base URL (${baseUrl})`, { url, status: response.status });
      }
      return await parsePage(response, url);
    } finally {
      // The interval runs from the end of one exchange to the start of the next: stricter than
      // start-to-start, so arXiv never sees two requests closer than minIntervalMs.
      lastRequestAt = clock.now();
    }
  }

  function networkFailure(error: unknown): Retryable {
    const name = (error as Error).name;
    return new Retryable(name === 'TimeoutError' ? `no complete answer within ${timeoutMs} ms` : `network error: ${describeError(error)}`);
  }

  /** The body as it arrives, refused past maxPageBytes; network errors mid-body are retryable. */
  async function* bodyChunks(response: Response, url: string, progress: { bytes: number }): AsyncGenerator<Buffer> {
    if (!response.body) return;
    const iterator = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    try {
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw networkFailure(error);
        }
        if (next.done) return;
        progress.bytes += next.value.length;
        if (progress.bytes > maxPageBytes) {
          throw new PaperboyError('UPSTREAM_FAILED', `the OAI page ${url} is larger than ${maxPageBytes.toLocaleString('en')} bytes (maxPageBytes); refusing it`, { url, limit: 'maxPageBytes' });
        }
        yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      }
    } finally {
      await iterator.return?.();
    }
  }

  /**
   * Parses a page while it streams in, keeping only its items: a page is returned complete or not at
   * all. Truncated or malformed pages are retried; a page over a limit (size, records, or the XML
   * limits such as nesting depth) is refused at once, since asking again would get the same page.
   */
  async function parsePage(response: Response, url: string): Promise<OaiPage> {
    const items: SourceItem[] = [];
    const page: OaiPage = { items, resumptionToken: null, completeListSize: null, responseDate: null, empty: false };
    const progress = { bytes: 0 };
    try {
      for await (const event of readOaiEvents(bodyChunks(response, url, progress), `OAI page ${url}`)) {
        if (event.kind === 'item') {
          if (items.length >= maxPageRecords) {
            throw new PaperboyError('UPSTREAM_FAILED', `the OAI page ${url} holds more than ${maxPageRecords.toLocaleString('en')} records (maxPageRecords); refusing it`, { url, limit: 'maxPageRecords' });
          }
          items.push(event.item);
        } else if (event.kind === 'token') {
          page.resumptionToken = event.token;
          page.completeListSize = event.completeListSize;
        } else if (event.kind === 'responseDate') page.responseDate = event.value;
        else if (event.code === 'noRecordsMatch') page.empty = true;
        else if (event.code === 'badResumptionToken') {
          throw new PaperboyError('UPSTREAM_BAD_TOKEN', `arXiv refused the resumption token (badResumptionToken: ${event.message || 'expired or invalid'})`, { url });
        } else {
          throw new PaperboyError('UPSTREAM_FAILED', `arXiv OAI-PMH error ${event.code}: ${event.message || 'no message'} (${url})`, { url, code: event.code });
        }
      }
    } catch (error) {
      if (error instanceof Retryable) throw error;
      if (error instanceof PaperboyError && error.code.startsWith('UPSTREAM')) throw error;
      if (error instanceof PaperboyError && error.details.limit !== undefined) {
        throw new PaperboyError('UPSTREAM_FAILED', `refusing a page over a reader limit (asking again would get the same page): ${error.message}`, { url, limit: error.details.limit }, { cause: error });
      }
      throw new Retryable(`malformed or truncated page (${progress.bytes} bytes): ${describeError(error)}`);
    }
    return page;
  }

  return {
    baseUrl,
    async listRecords(request) {
      const url = urlFor(request);
      let failures = 0;
      let waits = 0;
      let extraWait = 0;
      for (;;) {
        await politeWait(extraWait);
        extraWait = 0;
        try {
          const result = await fetchOnce(url);
          if ('retryAfterMs' in result) {
            if (++waits > maxRetryAfterWaits) {
              throw new PaperboyError('UPSTREAM_FAILED', `arXiv kept answering 503 Retry-After (${waits - 1} times) for ${url}; try again later`, { url });
            }
            logger.warn('harvest.retry_after', { url, waitMs: result.retryAfterMs });
            extraWait = result.retryAfterMs;
            continue;
          }
          return result;
        } catch (error) {
          if (!(error instanceof Retryable)) throw error;
          failures++;
          if (failures >= maxAttempts) {
            throw new PaperboyError('UPSTREAM_FAILED', `arXiv failed ${failures} times in a row for ${url}; last: ${error.message}`, { url });
          }
          extraWait = Math.round(random() * Math.min(backoffMaxMs, backoffBaseMs * 2 ** (failures - 1)));
          logger.warn('harvest.retry', { url, attempt: failures, reason: error.message, waitMs: extraWait });
        }
      }
    },
  };
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
