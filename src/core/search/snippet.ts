import escapeHtml from 'escape-html';
import { eachTerm } from './analyzer.ts';

export interface SnippetOptions {
  /** Words in the window (default 32). */
  words?: number;
  /** Tags around matched words (default <mark>...</mark>). */
  open?: string;
  close?: string;
}

// Words repeat across abstracts (Zipf), so their analysed forms are cached: snippets are built for
// every hit of every query.
const wordCache = new Map<string, string[]>();
function termsOfWord(word: string): string[] {
  let found = wordCache.get(word);
  if (!found) {
    const out: string[] = [];
    eachTerm(word, (term) => out.push(term));
    if (wordCache.size > 100_000) wordCache.clear();
    wordCache.set(word, (found = out));
  }
  return found;
}

/**
 * An HTML-safe excerpt of `text` around the densest run of query terms, matched words wrapped in
 * <mark>. Every piece of the source text is escaped; only the mark tags are raw. Words match when
 * their analysed form is one of `terms` (so `transformers` marks for the query `transformer`).
 */
export function snippet(text: string, terms: ReadonlySet<string>, options: SnippetOptions = {}): string {
  const size = options.words ?? 32;
  const open = options.open ?? '<mark>';
  const close = options.close ?? '</mark>';
  const words = text.split(/\s+/).filter(Boolean);
  // Cheap pre-check before analysing a word: an analysed term starts like the word it came from
  // (stems and compounds keep their first letters), so a word holding none of the terms' first
  // three letters cannot match. Non-ASCII words always take the full path (folding).
  const prefixes = [...terms].map((term) => term.slice(0, 3));
  const maybe = (word: string) => {
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7F]/.test(word)) return true;
    const lower = word.toLowerCase();
    return prefixes.some((p) => lower.includes(p));
  };
  const hit = words.map((word) => maybe(word) && termsOfWord(word).some((term) => terms.has(term)));
  let best = 0;
  let bestCount = -1;
  let count = 0;
  for (let i = 0; i < words.length; i++) {
    if (hit[i]) count++;
    if (i >= size && hit[i - size]) count--;
    const start = Math.max(0, i - size + 1);
    if (count > bestCount) {
      bestCount = count;
      best = start;
    }
  }
  // Start a little before the first match of the window, so that it reads in context.
  const firstHit = hit.indexOf(true, best);
  const start = firstHit === -1 ? 0 : Math.max(0, Math.min(best, firstHit - 4));
  const end = Math.min(words.length, start + size);
  const body = words
    .slice(start, end)
    .map((word, i) => (hit[start + i] ? `${open}${escapeHtml(word)}${close}` : escapeHtml(word)))
    .join(' ');
  return `${start > 0 ? '… ' : ''}${body}${end < words.length ? ' …' : ''}`;
}
