import { stemmer } from 'stemmer';
import { eng } from 'stopword';

/** A term and its position in the field (positions are for phrase matching). */
export interface Token {
  term: string;
  position: number;
}

export interface AnalyzerOptions {
  /** Apply stop words (default true). Compound tokens such as `state-of-the-art` are never dropped. */
  stopWords?: boolean;
  /** Apply the Porter stemmer (default true). Tokens with digits are never stemmed. */
  stem?: boolean;
}

const STOP_WORDS = new Set([...eng, 'et', 'al', 'via', 'using', 'based', 'show', 'propose', 'paper', 'also']);

// Stemming is the analyser's hot spot; vocabularies are Zipfian, so a bounded cache pays off.
const stemCache = new Map<string, string>();
function stem(word: string): string {
  let out = stemCache.get(word);
  if (out === undefined) {
    out = stemmer(word);
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, out);
  }
  return out;
}

/**
 * LaTeX commands become spaces (their braced arguments stay), math delimiters and braces go:
 * `$\mathbb{R}^d$` -> ` R d`, `\textbf{Bold}` -> ` Bold`, `\cite{x}` keeps `x` (harmless).
 */
export function stripLatex(text: string): string {
  if (!/[\\$]/.test(text)) return text;
  return text
    .replace(/\\(?:cite|ref|label|eqref|url|href)\{[^}]*\}/g, ' ')
    .replace(/\\[a-zA-Z]+\*?/g, ' ')
    .replace(/\\./g, ' ')
    .replace(/[${}^_~]/g, ' ');
}

/** Unicode folding: compatibility decomposition, accents removed, lower case. */
export function fold(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7F]*$/.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

// Letters and digits, joined by inner hyphens, dots, slashes or apostrophes: gpt-4, k-nn, l2, 3d, u.s.
const WORD = /[\p{L}\p{N}]+(?:[-.'’/][\p{L}\p{N}]+)*/gu;

/**
 * The analyser for papers and queries. Words keep their identity when it matters: `GPT-4` gives
 * `gpt4` (and `gpt`, `4`), `k-NN` gives `knn` (and `k`, `nn`), `3D`, `L2` and `BERT` stay whole.
 * Stop words are dropped, other words are Porter-stemmed unless they hold digits.
 * Calls `emit` for each term, in order; see {@link analyze} for an array.
 */
export function eachTerm(text: string, emit: (term: string, position: number) => void, options: AnalyzerOptions = {}): void {
  const useStop = options.stopWords ?? true;
  const useStem = options.stem ?? true;
  let position = 0;
  const normal = (word: string): string | null => {
    if (useStop && STOP_WORDS.has(word)) return null;
    if (!useStem || word.length <= 3 || /\d/.test(word)) return word;
    return stem(word);
  };
  for (const match of fold(stripLatex(text)).matchAll(WORD)) {
    let raw = match[0];
    if (raw.includes("'") || raw.includes('’')) raw = raw.replace(/[’']s$/, '').replace(/[’']/g, '');
    if (!/[-./]/.test(raw)) {
      const term = normal(raw);
      if (term) emit(term, position);
      position++;
      continue;
    }
    // Compound: the joined form at the first part's position, then each part.
    const parts = raw.split(/[-./]/).filter(Boolean);
    const joined = parts.join('');
    emit(normal(joined) ?? joined, position);
    for (const part of parts) {
      const term = normal(part);
      if (term) emit(term, position);
      position++;
    }
  }
}

/** The tokens of a text with their positions. */
export function analyze(text: string, options: AnalyzerOptions = {}): Token[] {
  const tokens: Token[] = [];
  eachTerm(text, (term, position) => tokens.push({ term, position }), options);
  return tokens;
}

/** Just the terms, in order, repeated as they occur. */
export function terms(text: string, options?: AnalyzerOptions): string[] {
  return analyze(text, options).map((t) => t.term);
}
