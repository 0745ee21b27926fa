import { PaperboyError } from '../../core/errors.ts';
import type { DailyPapersQuery, DailyPapersSource } from '../../ports/daily-papers-source.ts';
import type { SourceItem } from '../../ports/record-source.ts';
import { jsonTypeName, mapJsonValue, type JsonRecordMapper } from '../formats/json-readers.ts';
import { hfToDraft } from '../formats/json-mappers.ts';
import { hfDailyItemSchema, type HfDailyItem } from '../formats/schemas.ts';
import { fetchWithRetry, type RetryOptions } from '../http-retry.ts';

export interface HfDailyClientOptions extends Omit<RetryOptions, 'upstream'> {
  /** https://huggingface.co (a mirror or a test server otherwise). */
  baseUrl: string;
  userAgent?: string;
  /** Items per request (`limit`); the API serves at most 100. */
  pageSize?: number;
  /** Pages per list at most (a list is a few dozen papers a day). */
  maxPages?: number;
  /** A response body longer than this is refused. */
  maxBytes?: number;
  /** Requests are at least this far apart (default 1 s). */
  minIntervalMs?: number;
}

const mapper: JsonRecordMapper<HfDailyItem> = { schema: hfDailyItemSchema, toDraft: hfToDraft, source: 'hf-daily', arxivIdsOnly: true };

/**
 * Hugging Face's public daily-papers API, `GET /api/daily_papers?date=YYYY-MM-DD` (or `week=YYYY-Www`,
 * `month=YYYY-MM`) with `p` (page, from 0) and `limit`: each element is mapped by the same code that
 * imports daily_papers files (formats/json-mappers.ts), so the fields kept are the same.
 */
export function createHfDailyClient(options: HfDailyClientOptions): DailyPapersSource {
  const { baseUrl, clock, userAgent = 'Paperboy', pageSize = 100, maxPages = 20, maxBytes = 16 * 1024 * 1024, minIntervalMs = 1000 } = options;
  let lastAt = -Infinity;

  async function page(query: DailyPapersQuery, p: number): Promise<unknown[]> {
    const url = new URL('/api/daily_papers', baseUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v as string);
    url.searchParams.set('p', String(p));
    url.searchParams.set('limit', String(pageSize));
    const wait = lastAt + minIntervalMs - clock.now();
    if (wait > 0) await clock.sleep(wait);
    lastAt = clock.now();
    const response = await fetchWithRetry(url.href, { headers: { 'user-agent': userAgent, accept: 'application/json' } }, { ...options, upstream: 'huggingface' });
    if (response.status === 404 && p > 0) return [];
    if (!response.ok) {
      await response.body?.cancel();
      throw new PaperboyError('UPSTREAM_FAILED', `huggingface: ${url.href} answered HTTP ${response.status}`, { url: url.href });
    }
    const text = await response.text();
    if (Buffer.byteLength(text) > maxBytes) throw new PaperboyError('UPSTREAM_FAILED', `huggingface: ${url.href} sent more than ${maxBytes} bytes; refused`, { url: url.href });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new PaperboyError('UPSTREAM_FAILED', `huggingface: ${url.href} sent malformed JSON (${(error as Error).message})`, { url: url.href });
    }
    if (!Array.isArray(body)) throw new PaperboyError('UPSTREAM_FAILED', `huggingface: ${url.href} sent ${jsonTypeName(body)}, expected an array of daily papers`, { url: url.href });
    return body;
  }

  return {
    async list(query) {
      const items: SourceItem[] = [];
      for (let p = 0; p < maxPages; p++) {
        const values = await page(query, p);
        for (const value of values) {
          const n = items.length + 1;
          items.push(mapJsonValue(value, mapper, { record: n }, `${Object.values(query)[0] as string} item ${n}`));
        }
        if (values.length < pageSize) break;
      }
      return items;
    },
  };
}
