import { z } from 'zod';

/**
 * Schemas of the external JSON payloads Paperboy reads. Each is lenient about extra keys and strict
 * about the types of the keys it uses; docs/formats.md documents them.
 */

const text = z.string().nullish();
const stringList = z.union([z.array(z.string()), z.string()]).nullish();

/** Paperboy's own JSON Lines schema, which also accepts the arxiv-75k and seed-papers shapes. */
export const paperboyRecordSchema = z.looseObject({
  id: text,
  version: z.union([z.number(), z.string()]).nullish(),
  title: text,
  abstract: text,
  authors: stringList,
  categories: stringList,
  primaryCategory: text,
  primary_category: text,
  submittedAt: text,
  updatedAt: text,
  announcedAt: text,
  /** arxiv-75k: the day the paper was first announced. */
  date: text,
  comments: text,
  comment: text,
  journalRef: text,
  doi: text,
  license: text,
  links: z
    .looseObject({ abs: text, pdf: text, html: text, code: text, project: text })
    .nullish(),
  signals: z
    .array(z.object({ source: z.string().min(1).max(40), name: z.string().min(1).max(60), value: z.union([z.number(), z.string(), z.boolean(), z.array(z.string())]) }))
    .nullish(),
});
export type PaperboyRecord = z.infer<typeof paperboyRecordSchema>;

/** One line of Kaggle's arxiv-metadata-oai-snapshot.json. */
export const snapshotRecordSchema = z.looseObject({
  id: z.string(),
  submitter: text,
  authors: text,
  authors_parsed: z.array(z.array(z.string())).nullish(),
  title: z.string(),
  comments: text,
  'journal-ref': text,
  doi: text,
  license: text,
  abstract: text,
  categories: text,
  versions: z.array(z.object({ version: z.string(), created: z.string() })).nullish(),
  update_date: text,
});
export type SnapshotRecord = z.infer<typeof snapshotRecordSchema>;

/** One element of Hugging Face's /api/daily_papers (or a bare paper object from /api/papers). */
const hfPaperSchema = z.looseObject({
  id: z.string(),
  title: z.string(),
  summary: text,
  authors: z.array(z.looseObject({ name: z.string() })).nullish(),
  publishedAt: text,
  submittedOnDailyAt: text,
  upvotes: z.number().nullish(),
  ai_keywords: z.array(z.string()).nullish(),
  ai_summary: text,
  githubRepo: text,
  githubStars: z.number().nullish(),
  projectPage: text,
});
/** A bare paper object is read as `{ paper: object }`, so that errors name `paper.<field>` either way. */
export const hfDailyItemSchema = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && !('paper' in value) ? { paper: value } : value),
  z.looseObject({ paper: hfPaperSchema, numComments: z.number().nullish(), submittedOnDailyAt: text }),
);
export type HfDailyItem = z.infer<typeof hfDailyItemSchema>;

/** Turns a zod error into "field 'authors[2]': expected string, received number". */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid record';
  const path = issue.path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
  return path ? `field '${path}': ${issue.message}` : issue.message;
}
