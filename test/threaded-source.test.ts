import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileSourceOpener } from '../src/adapters/formats/open-source.ts';
import { createThreadedSourceOpener } from '../src/adapters/formats/threaded-source.ts';
import type { RecordSourceOpener, SourceItem } from '../src/ports/record-source.ts';
import { fixture, tempDir } from './helpers.ts';

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
