/**
 * Child process of the kill -9 test: writes crash batches into an index folder forever (merging
 * often: at most 3 segments), printing `wrote <k>` after each committed write. Started again after
 * each kill, it continues from the batch after the one the folder holds.
 */
import { crashBatch, directory, EXPECT } from './index-files-helpers.ts';

const dir = directory(process.argv[2]!, { maxSegments: 3, graphAbove: 30 });
const opened = await dir.open(EXPECT);
let k = 'rebuild' in opened ? 0 : opened.feedSeq;
if (!('rebuild' in opened)) opened.close();
for (;;) {
  k++;
  (await dir.write(crashBatch(k), EXPECT)).close();
  process.stdout.write(`wrote ${k}\n`);
}
