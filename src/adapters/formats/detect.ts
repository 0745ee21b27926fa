import { PaperboyError } from '../../core/errors.ts';
import type { FormatName } from '../../ports/record-source.ts';

/**
 * Guesses the format from the first decompressed bytes: XML by its root element, a JSON array as
 * Hugging Face daily_papers, JSON Lines by the keys of the first parseable line.
 */
export function detectFormat(head: Buffer, label: string): FormatName {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.search(/\S/);
  if (start === -1) return 'jsonl'; // empty file: nothing to import, any reader will do
  const first = text[start];
  if (first === '<') {
    const root = /<(?!\?|!)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(text.slice(start));
    if (root?.[2] === 'feed') return 'arxiv-atom';
    if (root?.[2] === 'OAI-PMH') return 'oai-pmh';
    throw new PaperboyError('UNKNOWN_FORMAT', `${label}: XML with root <${root?.[2] ?? '?'}> is neither an Atom feed nor an OAI-PMH response; pass --format`);
  }
  if (first === '[') return 'hf-daily';
  if (first === '{') {
    for (const line of text.slice(start).split('\n').slice(0, 20)) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof value !== 'object' || value === null) continue;
      const keys = value as Record<string, unknown>;
      if ('authors_parsed' in keys || ('versions' in keys && 'update_date' in keys)) return 'arxiv-snapshot';
      if (('paper' in keys && typeof keys.paper === 'object') || 'upvotes' in keys || 'submittedOnDailyAt' in keys) return 'hf-daily';
      return 'jsonl';
    }
    return 'jsonl';
  }
  throw new PaperboyError('UNKNOWN_FORMAT', `${label}: cannot tell the format (it starts with ${JSON.stringify(text.slice(start, start + 20))}); pass --format`);
}
