/** Worker thread of a rebuild: builds one segment from the documents it is sent and writes its files. */
import { parentPort } from 'node:worker_threads';
import type { FieldSpec } from '../../core/search/lexical-types.ts';
import type { SegmentDoc } from '../../core/search/segment/segment-builder.ts';
import { buildSegmentFiles } from './segment-files.ts';

export interface BuildJob {
  id: number;
  dir: string;
  name: string;
  fields: readonly FieldSpec[];
  k1: number;
  docs: SegmentDoc[];
}

parentPort?.on('message', (job: BuildJob) => {
  try {
    const entry = buildSegmentFiles(job.dir, job.name, job.docs, { fields: job.fields, k1: job.k1 });
    parentPort!.postMessage({ id: job.id, entry });
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: (error as Error).message });
  }
});
