import { PaperboyError } from './errors.ts';
import type { PaperInput, PaperLinks, SignalValue } from './paper.ts';
import { contentId, requirePaperId } from './paper-id.ts';
import { cleanText, toIsoDate, toIsoTimestamp } from './text.ts';

/** Upper bounds on field sizes; a record over any of them is rejected, naming the field. */
export const LIMITS = Object.freeze({
  title: 2_000,
  abstract: 20_000,
  authors: 10_000,
  authorName: 1_000,
  categories: 64,
  comments: 5_000,
  journalRef: 1_000,
  doi: 500,
  license: 500,
  url: 2_000,
  signals: 64,
  signalText: 2_000,
});

/**
 * What a format adapter extracts from one record before validation: raw strings, possibly messy.
 * `undefined` means the source does not carry the field.
 */
export interface RecordDraft {
  id?: string | null;
  version?: number | string | null;
  title?: string | null;
  abstract?: string | null;
  authors?: string[] | null;
  categories?: string[] | null;
  primaryCategory?: string | null;
  submittedAt?: string | null;
  updatedAt?: string | null;
  announcedAt?: string | null;
  comments?: string | null;
  journalRef?: string | null;
  doi?: string | null;
  license?: string | null;
  links?: Partial<Record<keyof PaperLinks, string | null | undefined>>;
  signals?: { source: string; name: string; value: SignalValue | null | undefined }[];
  deleted?: boolean;
}

/** arXiv category names: `cs.CL`, `hep-th`, `math.GT`, `cond-mat.str-el`. */
const CATEGORY = /^[a-z][a-z-]{0,19}(?:\.[A-Za-z][A-Za-z-]{0,19})?$/;

function invalid(field: string, message: string, value?: unknown): never {
  throw new PaperboyError('INVALID_RECORD', `field '${field}' ${message}`, { field, value });
}

function text(field: keyof typeof LIMITS, value: string | null | undefined, name: string = field): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== 'string') invalid(name, `must be a string, got ${typeof value}`);
  // Check the raw length first so that a gigantic value is never normalised.
  const limit = LIMITS[field];
  if (value.length > limit * 4) invalid(name, `is ${value.length.toLocaleString('en')} characters long; the limit is ${limit.toLocaleString('en')}`);
  const cleaned = cleanText(value);
  if (cleaned.length > limit) invalid(name, `is ${cleaned.length.toLocaleString('en')} characters long; the limit is ${limit.toLocaleString('en')}`);
  return cleaned === '' ? null : cleaned;
}

function date(field: string, value: string | null | undefined, dateOnly: boolean): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string') invalid(field, `must be a date string, got ${typeof value}`);
  if (value.trim() === '') return null;
  const parsed = dateOnly ? toIsoDate(value) : toIsoTimestamp(value);
  if (!parsed) invalid(field, `is not a valid date: ${JSON.stringify(value.slice(0, 60))}`, value.slice(0, 60));
  return parsed;
}

function url(field: string, value: string | null | undefined): string | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  if (value.length > LIMITS.url) invalid(field, `is ${value.length} characters long; the limit is ${LIMITS.url}`);
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    invalid(field, `is not a URL: ${JSON.stringify(value.slice(0, 80))}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') invalid(field, `must be an http(s) URL, got ${parsed.protocol}`);
  return parsed.href;
}

export interface FinishOptions {
  /**
   * The source carries arXiv ids only (arXiv's OAI-PMH and API, the Kaggle snapshot, Hugging Face,
   * whose paper ids are arXiv ids): a record without one, or with a source:id, is rejected.
   */
  arxivIdsOnly?: boolean;
}

/**
 * Validates and normalises a draft into a {@link PaperInput}: the id is parsed (a version suffix
 * becomes the version), text is cleaned, limits are enforced, dates are made ISO, and a paper with no
 * id gets a content-derived one. Throws PaperboyError('INVALID_RECORD' | 'INVALID_ID') naming the field.
 * Ids must match the character set of parsePaperId (see docs/formats.md, "Ids").
 */
export function finishRecord(draft: RecordDraft, source: string, options: FinishOptions = {}): PaperInput {
  let id: string;
  let version: number | null | undefined;
  if (draft.version !== undefined && draft.version !== null) {
    const v = typeof draft.version === 'string' ? Number(draft.version.replace(/^v/i, '')) : draft.version;
    if (!Number.isInteger(v) || v < 1 || v > 1000) invalid('version', `must be a positive integer, got ${JSON.stringify(draft.version)}`);
    version = v;
  }
  if (draft.id !== undefined && draft.id !== null && draft.id.trim() !== '') {
    if (typeof draft.id !== 'string' || draft.id.length > 300) invalid('id', 'must be a string of at most 300 characters');
    const parsed = requirePaperId(draft.id, 'id');
    if (options.arxivIdsOnly && parsed.kind !== 'arxiv-new' && parsed.kind !== 'arxiv-old') {
      throw new PaperboyError('INVALID_ID', `field 'id': ${JSON.stringify(draft.id.slice(0, 80))} is not an arXiv id (2401.01234v2, hep-th/9901001), the only ids this source (${source}) carries`, { field: 'id', value: draft.id.slice(0, 200) });
    }
    id = parsed.id;
    if (parsed.version !== null) version = Math.max(parsed.version, version ?? 0);
  } else if (options.arxivIdsOnly) {
    invalid('id', `is missing (this source, ${source}, carries arXiv ids)`);
  } else if (!draft.deleted) {
    const title = typeof draft.title === 'string' ? draft.title : '';
    if (cleanText(title.slice(0, LIMITS.title * 4)) === '') invalid('title', 'is missing (a record without an id needs a title)');
    id = contentId(title.slice(0, LIMITS.title * 4));
  } else {
    invalid('id', 'is missing');
  }

  if (draft.deleted) {
    return { id, deleted: true, source, updatedAt: date('updatedAt', draft.updatedAt, false) ?? undefined };
  }

  const title = text('title', draft.title);
  if (!title) invalid('title', 'is missing or empty');

  const input: PaperInput = { id, title, source };
  if (version !== undefined) input.version = version;
  const abstract = text('abstract', draft.abstract);
  if (abstract !== undefined) input.abstract = abstract ?? '';

  if (draft.authors !== undefined && draft.authors !== null) {
    if (!Array.isArray(draft.authors)) invalid('authors', 'must be a list of names');
    if (draft.authors.length > LIMITS.authors) invalid('authors', `has more than ${LIMITS.authors.toLocaleString('en')} names (the limit)`);
    const authors: string[] = [];
    draft.authors.forEach((name, i) => {
      if (typeof name !== 'string') invalid(`authors[${i}]`, `must be a string, got ${typeof name}`);
      const cleaned = text('authorName', name, `authors[${i}]`);
      if (cleaned) authors.push(cleaned);
    });
    input.authors = authors;
  }

  if (draft.categories !== undefined && draft.categories !== null) {
    if (!Array.isArray(draft.categories)) invalid('categories', 'must be a list of category names');
    const categories: string[] = [];
    const primary = draft.primaryCategory?.trim();
    // arXiv listings mix MSC/ACM classes and free keywords into the list ("68T45", "I.2.7; J.3"):
    // those are dropped, as long as at least one real category remains.
    let dropped: string | undefined;
    for (const [i, raw] of [...(primary ? [primary] : []), ...draft.categories].entries()) {
      if (typeof raw !== 'string') invalid(`categories[${i}]`, `must be a string, got ${typeof raw}`);
      const category = raw.trim();
      if (category === '') continue;
      if (!CATEGORY.test(category)) dropped ??= category;
      else if (!categories.includes(category)) categories.push(category);
    }
    if (categories.length === 0 && dropped !== undefined) {
      invalid('categories', `contains ${JSON.stringify(dropped.slice(0, 60))} and no arXiv category name like cs.CL`);
    }
    if (categories.length > LIMITS.categories) invalid('categories', `has ${categories.length} entries; the limit is ${LIMITS.categories}`);
    input.categories = categories;
  } else if (draft.primaryCategory) {
    if (!CATEGORY.test(draft.primaryCategory)) invalid('primaryCategory', `is not a category name like cs.CL: ${JSON.stringify(draft.primaryCategory.slice(0, 60))}`);
    input.categories = [draft.primaryCategory];
  }

  const submittedAt = date('submittedAt', draft.submittedAt, false);
  if (submittedAt !== undefined) input.submittedAt = submittedAt;
  const updatedAt = date('updatedAt', draft.updatedAt, false);
  if (updatedAt !== undefined) input.updatedAt = updatedAt;
  const announcedAt = date('announcedAt', draft.announcedAt, true);
  if (announcedAt !== undefined) input.announcedAt = announcedAt;
  const comments = text('comments', draft.comments);
  if (comments !== undefined) input.comments = comments;
  const journalRef = text('journalRef', draft.journalRef);
  if (journalRef !== undefined) input.journalRef = journalRef;
  const doi = text('doi', draft.doi);
  if (doi !== undefined) input.doi = doi;
  const license = text('license', draft.license);
  if (license !== undefined) input.license = license;

  if (draft.links) {
    const links: PaperLinks = {};
    for (const key of ['abs', 'pdf', 'html', 'code', 'project'] as const) {
      const value = url(`links.${key}`, draft.links[key]);
      if (value) links[key] = value;
    }
    if (Object.keys(links).length > 0) input.links = links;
  }

  if (draft.signals && draft.signals.length > 0) {
    if (draft.signals.length > LIMITS.signals) invalid('signals', `has ${draft.signals.length} entries; the limit is ${LIMITS.signals}`);
    input.signals = [];
    for (const signal of draft.signals) {
      const value = signal.value;
      if (value === undefined || value === null) continue;
      const field = `signals.${signal.source}.${signal.name}`;
      if (typeof value === 'number' && !Number.isFinite(value)) invalid(field, 'must be a finite number');
      if (typeof value === 'string' && value.length > LIMITS.signalText) invalid(field, `is longer than ${LIMITS.signalText} characters`);
      if (Array.isArray(value) && (value.length > 100 || value.some((v) => typeof v !== 'string' || v.length > 200))) {
        invalid(field, 'must be a list of at most 100 short strings');
      }
      input.signals.push({ source: signal.source, name: signal.name, value });
    }
  }
  return input;
}

/**
 * Roughly how many characters a record holds: batches are bounded by this as well as by count, since
 * one record may carry up to 10,000 authors of 1,000 characters each.
 */
export function recordChars(input: PaperInput): number {
  let chars = 64 + input.id.length;
  for (const value of [input.title, input.abstract, input.comments, input.journalRef, input.doi, input.license]) chars += value?.length ?? 0;
  for (const author of input.authors ?? []) chars += 16 + author.length;
  for (const category of input.categories ?? []) chars += 16 + category.length;
  for (const link of Object.values(input.links ?? {})) chars += link?.length ?? 0;
  for (const signal of input.signals ?? []) {
    const value = signal.value;
    chars += 32 + (typeof value === 'string' ? value.length : Array.isArray(value) ? value.reduce((n, v) => n + 16 + v.length, 0) : 0);
  }
  return chars;
}
