import escapeHtml from 'escape-html';
import { eachTerm } from './analyzer.ts';

export interface SnippetOptions {
  /** Words in the window (default 32). */
  words?: number;
  /** Tags around matched words (default <mark>...</mark>). */
  open?: string;
  close?: string;
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
  const hit = words.map((word) => {
    let matched = false;
    eachTerm(word, (term) => {
      if (terms.has(term)) matched = true;
    });
    return matched;
  });
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
