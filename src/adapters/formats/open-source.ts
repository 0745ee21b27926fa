import { describeError } from '../../core/errors.ts';
import type { FormatName, RecordSource, RecordSourceOpener, SourceItem } from '../../ports/record-source.ts';
import { openByteInput } from './byte-input.ts';
import { detectFormat } from './detect.ts';
import { splitJsonArray } from './json-array.ts';
import { hfToDraft, paperboyToDraft, snapshotToDraft } from './json-mappers.ts';
import { parseJsonRecord, readJsonLines, type JsonRecordMapper } from './json-readers.ts';
import { hfDailyItemSchema, paperboyRecordSchema, snapshotRecordSchema } from './schemas.ts';
import { readAtomFile, readOaiFile } from './xml-readers.ts';

const paperboy: JsonRecordMapper<unknown> = { schema: paperboyRecordSchema, toDraft: paperboyToDraft as JsonRecordMapper<unknown>['toDraft'], source: 'jsonl' };
const snapshot: JsonRecordMapper<unknown> = { schema: snapshotRecordSchema, toDraft: snapshotToDraft as JsonRecordMapper<unknown>['toDraft'], source: 'arxiv-snapshot', arxivIdsOnly: true };
const hfDaily: JsonRecordMapper<unknown> = { schema: hfDailyItemSchema, toDraft: hfToDraft as JsonRecordMapper<unknown>['toDraft'], source: 'hf-daily', arxivIdsOnly: true };

/** Hugging Face daily_papers as a JSON array (the API's answer) or as JSON Lines. */
async function* readHfDaily(chunks: AsyncIterable<Buffer>, head: Buffer): AsyncGenerator<SourceItem> {
  if (head.toString('utf8', 0, 256).trimStart().replace(/^\uFEFF/, '').startsWith('{')) {
    yield* readJsonLines(chunks, hfDaily);
    return;
  }
  let index = 0;
  try {
    for await (const element of splitJsonArray(chunks)) {
      index = element.index;
      const ref = { record: element.index };
      yield 'error' in element
        ? { kind: 'rejected', ref, reason: element.error }
        : parseJsonRecord(element.text, hfDaily, ref, `element ${element.index}`);
    }
  } catch (error) {
    yield { kind: 'rejected', ref: { record: index + 1 }, reason: `after element ${index}: ${describeError(error)}` };
  }
}

/** Opens files in every format Paperboy imports, gzip or not, detecting the format unless told. */
export const fileSourceOpener: RecordSourceOpener = {
  async open(path, options = {}): Promise<RecordSource> {
    const input = await openByteInput(path);
    const format: FormatName = options.format ?? detectFormat(input.head, path);
    const items = ((): AsyncIterable<SourceItem> => {
      switch (format) {
        case 'jsonl':
          return readJsonLines(input.chunks, paperboy);
        case 'arxiv-snapshot':
          return readJsonLines(input.chunks, snapshot);
        case 'hf-daily':
          return readHfDaily(input.chunks, input.head);
        case 'oai-pmh':
          return readOaiFile(input.chunks, path);
        case 'arxiv-atom':
          return readAtomFile(input.chunks, path);
      }
    })();
    return { format, items, progress: input.progress };
  },
};
