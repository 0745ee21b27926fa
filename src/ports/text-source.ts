/** The texts of a paper the search engine shows and checks: hits, snippets, phrase checks, similar papers. */
export interface PaperText {
  id: string;
  title: string;
  abstract: string;
  authors: readonly string[];
  categories: readonly string[];
  /** YYYY-MM-DD, null when unknown. */
  date: string | null;
}

/**
 * Where the engine reads texts, by the store's handle `seq`, for the few papers a page shows or a
 * phrase check needs: the index itself keeps no texts. The paper store in production
 * (`PaperStore.readIndexed`); an in-memory map for `paperboy eval` and tests.
 */
export interface TextSource {
  /** The texts of these papers; papers unknown (or deleted meanwhile) are missing from the map. */
  read(seqs: readonly number[]): Promise<ReadonlyMap<number, PaperText>>;
}
