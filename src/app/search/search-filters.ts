/**
 * What a search leaves out: filters on the document table (categories, dates, hidden papers), the
 * author filter on the authors field's postings, and the query's exclusions and required phrases.
 */
import { eachTerm } from '../../core/search/analyzer.ts';
import type { ParsedQuery } from '../../core/search/query.ts';
import type { PaperText, TextSource } from '../../ports/text-source.ts';
import { dayOfDate, UNDATED } from './days.ts';
import type { DocTable } from './doc-table.ts';
import type { LexicalSide } from './lexical-side.ts';
import { containsSequence, type Clauses, type PhraseClause } from './query-clauses.ts';
import { inCategories } from './ranking.ts';
import type { SearchRequest } from './search-types.ts';

/** A test on a paper by seq; null passes everything (cheaper than a function that always says yes). */
export type SeqFilter = ((seq: number) => boolean) | null;

/** The analysed terms of an author query: a paper matches when its authors field holds every one. */
export function authorTerms(author: string): string[] {
  const terms: string[] = [];
  eachTerm(author, (term) => terms.push(term));
  return [...new Set(terms)];
}

/**
 * The request's filters as one test. The author filter matches analysed tokens in the authors field
 * (`--author godel` finds Kurt Gödel; `--author "kurt g"` does not: every word must be a whole
 * name token); an author query without any word matches nothing.
 */
export function filterFor(request: Pick<SearchRequest, 'categories' | 'author' | 'from' | 'to' | 'exclude'>, parsed: Pick<ParsedQuery, 'categories'>, docs: DocTable, lexical: LexicalSide): SeqFilter {
  const categories = [...(request.categories ?? []), ...parsed.categories];
  const author = request.author ? authorTerms(request.author).map((term) => ({ term, fields: ['authors'] as const })) : null;
  const from = request.from ? dayOfDate(request.from) : null;
  const to = request.to ? dayOfDate(request.to) : null;
  const exclude = request.exclude && request.exclude.size > 0 ? request.exclude : null;
  if (categories.length === 0 && !author && from === null && to === null && !exclude) return null;
  return (seq) => {
    if (exclude) {
      const id = docs.id(seq);
      if (id === undefined || exclude.has(id)) return false;
    }
    if (categories.length > 0 && !inCategories(docs.categories(seq), categories)) return false;
    if (from !== null || to !== null) {
      const day = docs.day(seq);
      if (day === UNDATED || (from !== null && day < from) || (to !== null && day > to)) return false;
    }
    if (author && (author.length === 0 || !author.every((clause) => lexical.contains(seq, clause)))) return false;
    return true;
  };
}

/** Both filters at once (null when both pass everything). */
export function both(a: SeqFilter, b: SeqFilter): SeqFilter {
  if (!a) return b;
  if (!b) return a;
  return (seq) => a(seq) && b(seq);
}

/**
 * The query's constraints that postings decide: no excluded word, and every word of each required
 * phrase present. Phrases' word order is checked on texts afterwards ({@link checkPhrases}).
 */
export function termConstraints(clauses: Clauses, lexical: LexicalSide): SeqFilter {
  const { mustNot, phrases } = clauses;
  if (mustNot.length === 0 && phrases.length === 0) return null;
  return (seq) =>
    !mustNot.some((c) => lexical.contains(seq, c)) &&
    phrases.every((p) => p.terms.every((term) => lexical.contains(seq, { term, ...(p.fields ? { fields: p.fields } : {}) })));
}

/** Whether a query has constraints that need the papers' texts. */
export function checksPhrases(clauses: Clauses): boolean {
  return clauses.phrases.length + clauses.negatedPhrases.length > 0;
}

/** The seqs, in order, whose texts hold every required phrase and no excluded one (texts read in one batch). */
export async function checkPhrases(seqs: readonly number[], clauses: Clauses, texts: TextSource): Promise<number[]> {
  if (!checksPhrases(clauses) || seqs.length === 0) return [...seqs];
  const found = await texts.read(seqs);
  return seqs.filter((seq) => {
    const text = found.get(seq);
    if (!text) return false;
    return !clauses.negatedPhrases.some((p) => hasPhrase(text, p)) && clauses.phrases.every((p) => hasPhrase(text, p));
  });
}

function hasPhrase(text: PaperText, phrase: PhraseClause): boolean {
  const fields: Record<string, string> = { title: text.title, abstract: text.abstract, authors: text.authors.join(' ; ') };
  return (phrase.fields ?? ['title', 'abstract', 'authors']).some((field) => containsSequence(fields[field] ?? '', phrase.terms));
}
