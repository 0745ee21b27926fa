import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileSourceOpener } from '../src/adapters/formats/open-source.ts';
import { createThreadedSourceOpener } from '../src/adapters/formats/threaded-source.ts';
import type { RecordSourceOpener, SourceItem } from '../src/ports/record-source.ts';
import { fixture, tempDir } from './helpers.ts';
import { runMeasured, writeGzip } from './memory-probe.ts';

async function readAll(opener: RecordSourceOpener, path: string) {
  const source = await opener.open(path);
  const items: SourceItem[] = [];
  for await (const item of source.items) items.push(item);
  return { format: source.format, items, progress: source.progress() };
}

describe('reading files in a worker thread', () => {
  it('yields exactly what the in-thread reader yields, in order, for every format', async () => {
    const threaded = createThreadedSourceOpener({ batchSize: 2, aheadBatches: 1 });
    for (const name of ['paperboy.jsonl', 'arxiv-snapshot.jsonl', 'atom.xml', 'oai-arxivraw.xml', 'hf-daily.json']) {
      const a = await readAll(fileSourceOpener, fixture(name));
      const b = await readAll(threaded, fixture(name));
      assert.equal(b.format, a.format, name);
      assert.deepEqual(b.items, a.items, name);
      assert.equal(b.progress.bytesRead, b.progress.totalBytes, `${name}: progress reaches the end`);
    }
  });

  it('passes rejections through and reports files it cannot open', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"id":"2401.00001","title":"ok"}\nnot json\n');
    const { items } = await readAll(createThreadedSourceOpener(), file);
    assert.deepEqual(items.map((i) => i.kind), ['record', 'rejected']);
    await assert.rejects(createThreadedSourceOpener().open(join(dir, 'missing.jsonl')), /cannot open .*missing\.jsonl: no such file/);
    writeFileSync(join(dir, 'odd.txt'), 'hello');
    await assert.rejects(createThreadedSourceOpener().open(join(dir, 'odd.txt')), (e: Error & { code?: string }) => e.code === 'UNKNOWN_FORMAT' && /pass --format/.test(e.message));
  });

  it('stops the worker when the consumer stops early', async () => {
    const source = await createThreadedSourceOpener({ batchSize: 1 }).open(fixture('paperboy.jsonl'));
    for await (const item of source.items) {
      assert.equal(item.kind, 'record');
      break;
    }
  });
});

describe('reading files with big records in a worker thread', () => {
  it('bounds each batch by characters as well as by count, so that big records keep memory flat', async () => {
    const dir = tempDir();
    // 300 records of 2,000 authors with 500-character names: 300 million characters, within every
    // per-record limit; a batch of 1,000 such records would hold them all at once.
    const authors = JSON.stringify(Array.from({ length: 2000 }, (_, i) => `${String(i).padStart(5, '0')} ${'n'.repeat(494)}`));
    await writeGzip(join(dir, 'big-records.jsonl.gz'), function* () {
      for (let i = 1; i <= 300; i++) yield `{"id":"2510.${String(i).padStart(5, '0')}","title":"Big ${i}","authors":${authors}}\n`;
    });
    const { result, peakMb } = await runMeasured<{ records: number; authors: number }>(`
      const { createThreadedSourceOpener } = await import(src('src/adapters/formats/threaded-source.ts'));
      const source = await createThreadedSourceOpener().open(process.env.BIG_FILE);
      let records = 0;
      let authors = 0;
      for await (const item of source.items) {
        if (item.kind === 'record') {
          records++;
          authors += item.input.authors.length;
        }
      }
      done({ records, authors });
    `, { BIG_FILE: join(dir, 'big-records.jsonl.gz') });
    assert.deepEqual(result, { records: 300, authors: 600_000 });
    console.log(`300 records of 1 million characters: peak RSS ${peakMb} MB`);
    assert.ok(peakMb < 300, `peak RSS ${peakMb} MB`);
  });
});
