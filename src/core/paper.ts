/** The paper as Paperboy knows it, independent of storage and source formats. */

export interface PaperLinks {
  /** arXiv abstract page (derived for arXiv ids). */
  abs?: string;
  pdf?: string;
  html?: string;
  /** Source code repository, e.g. from Hugging Face's githubRepo. */
  code?: string;
  /** Project page. */
  project?: string;
}

export type SignalValue = number | string | boolean | string[];

/** An external signal about a paper (e.g. Hugging Face upvotes), attributed to its source. */
export interface Signal {
  source: string;
  name: string;
  value: SignalValue;
  /** When Paperboy observed this value (ISO timestamp). */
  observedAt: string;
}

export interface Paper {
  /** `2401.01234`, `hep-th/9901001`, `source:id` or `content:<hash>`; never carries a version suffix. */
  id: string;
  /** Latest known version number (1-based), null when the source does not say. */
  version: number | null;
  title: string;
  abstract: string;
  /** Author names in order. */
  authors: string[];
  /** All categories, primary first. */
  categories: string[];
  primaryCategory: string | null;
  /** First submission (ISO timestamp or date). */
  submittedAt: string | null;
  /** Last update of the latest version (ISO timestamp or date). */
  updatedAt: string | null;
  /** Day the paper appeared in arXiv's daily listing (YYYY-MM-DD). */
  announcedAt: string | null;
  comments: string | null;
  journalRef: string | null;
  doi: string | null;
  license: string | null;
  /** Links that cannot be derived from the id (code, project); derived ones are added on read. */
  links: PaperLinks;
  signals: Signal[];
  /** Withdrawn from the upstream source (OAI-PMH deleted record). */
  deleted: boolean;
  /** Format of the record that last changed this paper, e.g. `arxiv-oai`. */
  source: string;
}

export interface StoredPaper extends Paper {
  firstSeenAt: string;
  lastChangedAt: string;
}

/**
 * A validated, normalised record coming from an importer or the harvester. Fields left undefined are
 * unknown to that source and never erase what is stored.
 */
export interface PaperInput {
  id: string;
  version?: number | null;
  title?: string;
  abstract?: string;
  authors?: string[];
  categories?: string[];
  submittedAt?: string | null;
  updatedAt?: string | null;
  announcedAt?: string | null;
  comments?: string | null;
  journalRef?: string | null;
  doi?: string | null;
  license?: string | null;
  links?: PaperLinks;
  signals?: Omit<Signal, 'observedAt'>[];
  /** True for an upstream deletion (only `id` and maybe `updatedAt` are set). */
  deleted?: boolean;
  source: string;
}

/** The bibliographic fields compared to decide whether a record changes a paper. */
export const COMPARED_FIELDS = [
  'version', 'title', 'abstract', 'authors', 'categories', 'primaryCategory', 'submittedAt', 'updatedAt',
  'announcedAt', 'comments', 'journalRef', 'doi', 'license', 'links', 'deleted',
] as const satisfies readonly (keyof Paper)[];
