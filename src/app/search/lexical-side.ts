import type { LexicalHit, TermClause } from '../../core/search/lexical-types.ts';
import type { LexicalIndex } from '../../core/search/lexical-index.ts';

/** A lexical query: scored words, required groups (an OR each), excluded words. */
export interface LexicalQuery {
  should: readonly TermClause[];
  must?: TermClause[][];
  mustNot?: readonly TermClause[];
}

/**
 * BM25F over the whole index, by seq: one in-memory index, or every on-disk segment plus the
 * in-memory delta scored with the same global statistics and their top k merged (a paper lives in
 * exactly one of them, so the merged top k is exact).
 */
export interface LexicalSide {
  /** Best `limit` live papers by score (descending), ties by seq ascending. */
  search(query: LexicalQuery, options: { limit: number; filter?: (seq: number) => boolean }): LexicalHit[];
  /** Whether a live paper holds the term (in the clause's fields, or any). */
  contains(seq: number, clause: TermClause): boolean;
}

/** The lexical side of a single in-memory index. */
export function memoryLexical(index: LexicalIndex): LexicalSide {
  return {
    search: (query, options) => index.search(query, options),
    contains: (seq, clause) => index.contains(seq, clause),
  };
}
