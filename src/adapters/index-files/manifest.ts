import { z } from 'zod';
import type { FieldSpec } from '../../core/search/lexical-types.ts';

/**
 * The MANIFEST of the index folder: the one file that names a generation. Written as
 * MANIFEST.tmp, fsynced, renamed over MANIFEST. Every other file is immutable once named here.
 */
export const INDEX_FORMAT_VERSION = 1;

const fileRecord = z.object({ file: z.string().regex(/^[a-z0-9.-]+$/), bytes: z.number().int().nonnegative(), crc32: z.number().int().nonnegative() });

const segment = z.object({
  name: z.string(),
  docs: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  docTable: fileRecord,
  terms: fileRecord,
  postings: fileRecord,
  deletes: fileRecord.nullable(),
});

const vectorSegment = z.object({
  name: z.string(),
  count: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  seqs: fileRecord,
  rows: fileRecord,
  graph: fileRecord.nullable(),
  deletes: fileRecord.nullable(),
});

export const manifestSchema = z.object({
  format: z.number().int(),
  generation: z.number().int().nonnegative(),
  feedSeq: z.number().int().nonnegative(),
  vectorFeedSeq: z.number().int().nonnegative(),
  model: z.string().nullable(),
  dims: z.number().int().nonnegative(),
  fields: z.array(z.object({ name: z.string(), weight: z.number(), b: z.number() })),
  k1: z.number(),
  segments: z.array(segment),
  vectorSegments: z.array(vectorSegment),
  signals: fileRecord.nullable(),
  /** Number the next segment file takes (names are never reused). */
  nextName: z.number().int().nonnegative(),
  created: z.string(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type SegmentEntry = z.infer<typeof segment>;
export type VectorSegmentEntry = z.infer<typeof vectorSegment>;
export type ManifestFile = z.infer<typeof fileRecord>;

/** Parses a MANIFEST; a reason string when it is unreadable or of another format version. */
export function parseManifest(text: string): Manifest | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { invalid: 'MANIFEST is not valid JSON' };
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== INDEX_FORMAT_VERSION) return { invalid: `index format version ${String(format)}, this version of Paperboy reads ${INDEX_FORMAT_VERSION}` };
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return { invalid: `MANIFEST does not match the format: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}` };
  return parsed.data;
}

export function sameFields(a: readonly FieldSpec[], b: readonly FieldSpec[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.weight === b[i]!.weight && f.b === b[i]!.b);
}

/** Every file a manifest references. */
export function manifestFiles(m: Manifest): ManifestFile[] {
  const out: ManifestFile[] = [];
  for (const s of m.segments) out.push(s.docTable, s.terms, s.postings, ...(s.deletes ? [s.deletes] : []));
  for (const v of m.vectorSegments) out.push(v.seqs, v.rows, ...(v.graph ? [v.graph] : []), ...(v.deletes ? [v.deletes] : []));
  if (m.signals) out.push(m.signals);
  return out;
}
