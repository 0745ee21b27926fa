import { SegmentFormatError } from '../../core/search/segment/sections.ts';
import type { OpenExpectation } from '../../ports/search-index.ts';
import type { IndexDirectoryOptions } from './index-directory-options.ts';
import { sameFields, type Manifest } from './manifest.ts';
import { IndexFileError } from './segment-files.ts';

/**
 * Why an index generation cannot be trusted for this process (a reason to rebuild, in words), or
 * null: built with other fields or k1, other vectors than the configured model's, from another
 * database, or ahead of the store (the database was replaced).
 */
export function manifestMismatch(m: Manifest, expect: OpenExpectation, options: Pick<IndexDirectoryOptions, 'fields' | 'k1'>): string | null {
  if (!sameFields(m.fields, options.fields) || m.k1 !== options.k1) return 'the index was built with other BM25F fields or k1';
  if (expect.model !== null && m.vectorSegments.length > 0 && (m.model !== expect.model || m.dims !== expect.dims)) return `the index holds vectors of ${m.model ?? 'no model'} (${m.dims} dims), the configured model is ${expect.model} (${expect.dims} dims)`;
  if (expect.storeId && m.storeId !== expect.storeId) {
    return `the index was built from another database (store ${m.storeId ?? 'unknown'}, this one is ${expect.storeId}): was the database replaced?`;
  }
  if (m.feedSeq > expect.storeLastChangeSeq || m.vectorFeedSeq > expect.storeLastChangeSeq) {
    return `the index is at change ${Math.max(m.feedSeq, m.vectorFeedSeq)}, beyond the store's last change ${expect.storeLastChangeSeq} (was the database replaced?)`;
  }
  return null;
}

/** An error opening a generation's files, in words (the notice of the rebuild it causes). */
export function describeOpenError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `index file missing: ${e.path ?? e.message}`;
  if (error instanceof IndexFileError || error instanceof SegmentFormatError) return error.message;
  return `index unreadable: ${e.message}`;
}
