/** The shapes the BM25F index takes and returns. */

/** A field of the index with its BM25F weight and length normalisation. */
export interface FieldSpec {
  name: string;
  weight: number;
  /** Length normalisation in [0, 1]. */
  b: number;
}

export interface LexicalIndexOptions {
  fields: readonly FieldSpec[];
  /** Term-frequency saturation (BM25 k1). */
  k1?: number;
  /** Tokeniser: calls `emit` for each term of a text (default: the paper analyser). */
  analyze?: (text: string, emit: (term: string) => void) => void;
}

/** One scored clause: a term, optionally restricted to some fields. */
export interface TermClause {
  term: string;
  /** Field names this clause may match; undefined means every field. */
  fields?: readonly string[];
}

export interface LexicalHit {
  docId: number;
  score: number;
}

/** The paper index's BM25F fields (title, abstract, authors), tuned on SciFact train (docs/quality.md). */
export const PAPER_FIELDS: readonly FieldSpec[] = Object.freeze([
  { name: 'title', weight: 1.5, b: 0.6 },
  { name: 'abstract', weight: 1, b: 0.8 },
  { name: 'authors', weight: 1, b: 0.3 },
]);
export const PAPER_K1 = 1.2;
