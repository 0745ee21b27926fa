import { createHash } from 'node:crypto';
import type { EmbeddingJob } from '../ports/paper-store.ts';

/**
 * The embedding jobs among candidate papers whose texts were read (in the candidates' order), for
 * every store's `embeddingsNeeded`: a text whose hash equals the stored vector's is no job. The hash
 * is sha1 (base64url) of the text the model embeds, what `saveEmbeddings` records.
 */
export function embeddingJobs(
  seqs: Iterable<number>,
  texts: ReadonlyMap<number, { title: string; abstract: string; hash: string | null }>,
  textOf: (row: { title: string; abstract: string }) => string,
): EmbeddingJob[] {
  const jobs: EmbeddingJob[] = [];
  for (const seq of seqs) {
    const row = texts.get(seq);
    if (!row) continue;
    const text = textOf(row);
    const textHash = createHash('sha1').update(text).digest('base64url');
    if (row.hash !== textHash) jobs.push({ seq, text, textHash });
  }
  return jobs;
}
