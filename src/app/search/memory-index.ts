import { LexicalIndex, type FieldSpec } from '../../core/search/lexical-index.ts';
import { PAPER_FIELDS } from '../../core/search/lexical-types.ts';
import type { AnnFactory } from '../../ports/ann-index.ts';
import { dayOfDate } from './days.ts';
import { MemoryDocTable, type DocSignals } from './doc-table.ts';
import { memoryLexical, type LexicalSide } from './lexical-side.ts';
import { MemoryTextSource } from './memory-text-source.ts';
import type { IndexedDoc } from './search-types.ts';
import { VectorSearch } from './vector-search.ts';
import type { VectorSide } from './vector-side.ts';

/** BM25F fields and parameters, tuned on SciFact train (docs/quality.md). */
/** The paper fields and their BM25F weights (one definition: core/search/lexical-types.ts). */
export const DEFAULT_FIELDS: readonly FieldSpec[] = PAPER_FIELDS;

export interface MemoryIndexOptions {
  fields?: readonly FieldSpec[];
  k1?: number;
  /** Vector dimensions; none: no vector side. */
  dims?: number;
  ann?: AnnFactory;
  exactThreshold?: number;
  annCandidates?: number;
  /** Keep titles, abstracts and authors for hits (tests, `paperboy eval`); off for the delta beside the store. */
  keepTexts?: boolean;
}

/**
 * A whole index in memory: document table, BM25F postings, vectors and (optionally) texts. The
 * search engine's index for `paperboy eval` and tests, and the delta of papers changed since the
 * on-disk generation.
 */
export class MemoryIndex {
  readonly docs = new MemoryDocTable();
  readonly lexical: LexicalIndex;
  readonly vectors: VectorSearch | null;
  readonly texts: MemoryTextSource | null;
  /** A hash of each paper's title and abstract: a new text makes its vector stale. */
  private readonly textHash = new Map<number, number>();

  constructor(options: MemoryIndexOptions = {}) {
    this.lexical = new LexicalIndex({ fields: options.fields ?? DEFAULT_FIELDS, k1: options.k1 ?? 1.2 });
    this.vectors = options.dims
      ? new VectorSearch(options.dims, { ...(options.ann ? { ann: options.ann } : {}), exactThreshold: options.exactThreshold ?? 20_000, annCandidates: options.annCandidates ?? 400 })
      : null;
    this.texts = options.keepTexts === false ? null : new MemoryTextSource();
  }

  get size(): number {
    return this.docs.size;
  }

  /** The lexical side over this index alone. */
  side(): LexicalSide {
    return memoryLexical(this.lexical);
  }

  /** Adds or replaces a paper (its vector, if any, is kept unless the title or abstract changed). */
  upsert(doc: IndexedDoc): void {
    const hash = hashText(doc.title, doc.abstract);
    const before = this.docs.entry(doc.docId);
    if (before && this.textHash.get(doc.docId) !== hash) this.vectors?.remove(doc.docId);
    this.textHash.set(doc.docId, hash);
    const signals: DocSignals = { hfUpvotes: doc.signals?.hfUpvotes ?? null, githubStars: doc.signals?.githubStars ?? null, localVotes: doc.signals?.localVotes ?? before?.signals.localVotes ?? 0 };
    this.docs.set(doc.docId, { id: doc.id, day: dayOfDate(doc.date), categories: doc.categories, signals });
    this.texts?.set(doc.docId, { id: doc.id, title: doc.title, abstract: doc.abstract, authors: doc.authors, categories: doc.categories, date: doc.date });
    this.lexical.add(doc.docId, { title: doc.title, abstract: doc.abstract, authors: doc.authors.join(' ; ') });
  }

  remove(docId: number): void {
    if (!this.docs.delete(docId)) return;
    this.textHash.delete(docId);
    this.texts?.delete(docId);
    this.lexical.remove(docId);
    this.vectors?.remove(docId);
  }

  /** Sets a paper's vector; ignored for papers not in the index or without a vector side. */
  setVector(docId: number, vector: Float32Array): void {
    if (this.docs.has(docId)) this.vectors?.set(docId, vector);
  }

  /** Vector side of this index (null without a model). */
  vectorSide(): VectorSide | null {
    return this.vectors;
  }
}

/** 32-bit FNV-1a of title and abstract: enough to notice that a paper's text changed. */
function hashText(title: string, abstract: string): number {
  let h = 0x811c9dc5;
  const text = `${title}\u0000${abstract}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
