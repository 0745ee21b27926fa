import { MATH_PATTERN } from './latex-text.ts';

// Words after which a full stop does not end a sentence.
const ABBREVIATIONS = /(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Ref|Refs|resp|approx|Dr|Mr|Ms|Prof|No|Vol|i\.i\.d|w\.r\.t)|\b[A-Z])\.$/;

/**
 * The first sentence of an abstract, for a one-line summary: it ends at `.`, `!` or `?` followed by
 * a space and a capital, digit or formula, never inside a formula or after an abbreviation; one
 * longer than `max` characters is cut at a word and ends with `…`. `rest` is the text after it.
 */
export function firstSentence(text: string, max = 260): { sentence: string; rest: string } {
  const clean = text.replace(/\s+/g, ' ').trim();
  const formulas = clean.includes('$') || clean.includes('\\(') ? [...clean.matchAll(MATH_PATTERN)].map((m) => [m.index, m.index + m[0].length] as const) : [];
  const inFormula = (i: number) => formulas.some(([from, to]) => i >= from && i < to);
  const ends = /[.!?](?=\s+["“(]?[A-Z0-9$\\])/g;
  for (let m = ends.exec(clean); m; m = ends.exec(clean)) {
    const end = m.index + 1;
    if (inFormula(m.index) || ABBREVIATIONS.test(clean.slice(Math.max(0, end - 12), end))) continue;
    if (end > max) break;
    return { sentence: clean.slice(0, end), rest: clean.slice(end).trim() };
  }
  if (clean.length <= max) return { sentence: clean, rest: '' };
  let cut = clean.lastIndexOf(' ', max);
  // Never cut a formula in two.
  for (const [from, to] of formulas) if (cut > from && cut < to) cut = from > 0 ? clean.lastIndexOf(' ', from) : to;
  if (cut <= 0) cut = max;
  return { sentence: `${clean.slice(0, cut).replace(/[,;:\s]+$/, '')}…`, rest: clean.slice(cut).trim() };
}
