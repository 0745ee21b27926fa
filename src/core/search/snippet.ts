import escapeHtml from 'escape-html';
import { MATH_PATTERN } from '../latex-text.ts';
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

// Scratch offsets of the words of the text being excerpted (grown when a longer text comes).
let starts = new Int32Array(2048);
let ends = new Int32Array(2048);

const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

// The terms of one query make the snippets of all its hits: their pattern is kept for a while.
const patterns = new Map<string, RegExp | null>();
function prefixPattern(terms: ReadonlySet<string>): RegExp | null {
  const key = [...terms].join(' ');
  let pattern = patterns.get(key);
  if (pattern === undefined) {
    const alternatives = [...new Set([...terms].map((term) => [...term].slice(0, 2)).filter((chars) => chars.length > 0))]
      .map((chars) => chars.map((c) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join("[-./']?"));
    pattern = alternatives.length ? new RegExp(alternatives.join('|'), 'g') : null;
    if (patterns.size > 1000) patterns.clear();
    patterns.set(key, pattern);
  }
  return pattern;
}

/** JavaScript's `\s`: the separators `split(/\s+/)` cuts at. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && (c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279));
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
  // Words (runs between whitespace) as offsets into the text.
  const n = text.length;
  if (starts.length < n / 2 + 1) {
    starts = new Int32Array(n);
    ends = new Int32Array(n);
  }
  // eslint-disable-next-line no-control-regex
  const ascii = !/[^\x00-\x7F]/.test(text);
  // A formula is one word: the window never cuts it, and a mark never falls inside it (the page
  // renders formulas from the snippet: http/views/math.ts).
  const formulas = text.includes('$') || text.includes('\\(') || text.includes('\\[') ? [...text.matchAll(MATH_PATTERN)].map((m) => [m.index, m.index + m[0].length] as const) : [];
  let formula = 0;
  let count = 0;
  for (let i = 0; i < n;) {
    if (isSpace(text.charCodeAt(i))) { i++; continue; }
    starts[count] = i;
    for (;;) {
      if (ascii) while (i < n && !isAsciiSpace(text.charCodeAt(i))) i++;
      else while (i < n && !isSpace(text.charCodeAt(i))) i++;
      while (formula < formulas.length && formulas[formula]![1] <= i) formula++;
      if (formula < formulas.length && formulas[formula]![0] < i) i = formulas[formula]![1];
      else break;
    }
    ends[count++] = i;
  }
  // A word can only match when it holds a term's first two characters, perhaps with a compound's
  // joiner between them (stemming rewrites only endings: `key` gives `kei`; `k-NN` gives `knn`).
  // Those words are found with one regular expression over the lower-cased text, and only they
  // are analysed. Non-ASCII words always are (folding changes letters).
  const candidate = new Uint8Array(count);
  // eslint-disable-next-line no-control-regex
  if (!ascii) for (let w = 0; w < count; w++) if (/[^\x00-\x7F]/.test(text.slice(starts[w], ends[w]))) candidate[w] = 1;
  const pattern = prefixPattern(terms);
  const lower = text.toLowerCase();
  if (pattern && lower.length !== n) {
    // Lower-casing made a letter longer (İ), so offsets in `lower` are not offsets in `text`.
    const inWord = new RegExp(pattern.source);
    for (let w = 0; w < count; w++) if (!candidate[w] && inWord.test(text.slice(starts[w], ends[w]).toLowerCase())) candidate[w] = 1;
  } else if (pattern) {
    pattern.lastIndex = 0;
    let w = 0;
    for (let m = pattern.exec(lower); m; m = pattern.exec(lower)) {
      const at = m.index;
      while (w < count && ends[w]! <= at) w++; // matches come in order: the word index only grows
      if (w < count && starts[w]! <= at && at + m[0].length <= ends[w]!) candidate[w] = 1;
      pattern.lastIndex = at + 1;
    }
  }
  const hit = new Uint8Array(count);
  for (let w = 0; w < count; w++) {
    if (candidate[w] && termsOfWord(text.slice(starts[w], ends[w])).some((term) => terms.has(term))) hit[w] = 1;
  }
  let best = 0;
  let bestCount = -1;
  let inWindow = 0;
  for (let i = 0; i < count; i++) {
    if (hit[i]) inWindow++;
    if (i >= size && hit[i - size]) inWindow--;
    const start = Math.max(0, i - size + 1);
    if (inWindow > bestCount) {
      bestCount = inWindow;
      best = start;
    }
  }
  // Start a little before the first match of the window, so that it reads in context.
  const firstHit = hit.indexOf(1, best);
  const start = firstHit === -1 ? 0 : Math.max(0, Math.min(best, firstHit - 4));
  const end = Math.min(count, start + size);
  const parts: string[] = [];
  for (let w = start; w < end; w++) {
    const word = escapeHtml(text.slice(starts[w], ends[w]));
    parts.push(hit[w] ? `${open}${word}${close}` : word);
  }
  return `${start > 0 ? '… ' : ''}${parts.join(' ')}${end < count ? ' …' : ''}`;
}
