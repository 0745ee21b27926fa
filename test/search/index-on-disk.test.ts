import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileIndexDirectory } from '../../src/adapters/index-files/index-directory.ts';
import { DEFAULT_FIELDS } from '../../src/app/search/memory-index.ts';
import { createSearchService } from '../../src/app/search/search-service.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { fixedClock, fixture, runPaperboy, startServe, tempDir, testStore } from '../helpers.ts';

/** Structured log events (one JSON object per line) in a stderr text. */
const events = (stderr: string, name: string) =>
  stderr.split('\n').flatMap((line) => {
    try {
      const event = JSON.parse(line) as { event?: string; msg?: string } & Record<string, unknown>;
      return event.event === name || event.msg === name ? [event] : [];
    } catch {
      return [];
    }
  });

const INFO = { ...process.env, PAPERBOY_DATA: '', PAPERBOY_LOG_LEVEL: 'info', PAPERBOY_MODEL_DIR: join(tempDir(), 'no-model'), PAPERBOY_MODEL_DOWNLOAD: 'false' };

describe('the search index on disk', () => {
  it('a CLI search after an import opens the index the import wrote instead of rebuilding it', async () => {
    const data = tempDir();
    const imported = await runPaperboy(['--data', data, 'import', fixture('web-papers.jsonl')], { env: INFO });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /building the search index in .*index \(.+\)/, 'the first build says so, once');
    const search = await runPaperboy(['--data', data, 'search', 'sparse retrieval', '--mode', 'lexical', '--json'], { env: INFO });
    assert.equal(search.code, 0, search.stderr);
    assert.doesNotMatch(search.stderr, /building the search index/);
    assert.equal(events(search.stderr, 'index.rebuild').length, 0);
    const [opened] = events(search.stderr, 'index.opened');
    assert.ok(opened && (opened.generation as number) >= 1 && opened.docs === 7, JSON.stringify(opened));
    assert.equal(JSON.parse(search.stdout).hits[0].id, '2401.00101');

    // A later import updates the index at its end; the next search opens that generation and finds the new paper.
    const more = join(data, 'more.jsonl');
    writeFileSync(more, `${JSON.stringify({ id: '2402.00001', title: 'Zebra stripes as sparse codes', abstract: 'Zebras.', authors: ['Ada Lovelace'], categories: ['cs.IR'], announcedAt: '2024-02-01' })}\n`);
    const again = await runPaperboy(['--data', data, 'import', more], { env: INFO });
    assert.doesNotMatch(again.stderr, /building the search index/);
    const found = await runPaperboy(['--data', data, 'search', 'zebra', '--mode', 'lexical', '--json'], { env: INFO });
    assert.equal(events(found.stderr, 'index.rebuild').length, 0);
    assert.ok((events(found.stderr, 'index.opened')[0]!.generation as number) > (opened.generation as number));
    assert.deepEqual(JSON.parse(found.stdout).hits.map((h: { id: string }) => h.id), ['2402.00001']);

    const status = await runPaperboy(['--data', data, 'index', '--json'], { env: INFO });
    assert.equal(status.code, 0, status.stderr);
    const json = JSON.parse(status.stdout) as { docs: number; segments: number; bytes: number; generation: number };
    assert.equal(json.docs, 8);
    assert.ok(json.segments >= 1 && json.bytes > 0);
    const rebuilt = await runPaperboy(['--data', data, 'index', '--rebuild', '--json'], { env: INFO });
    assert.equal(JSON.parse(rebuilt.stdout).docs, 8);
    assert.equal(events(rebuilt.stderr, 'index.rebuild')[0]!.reason, 'asked for (--rebuild)');
  });

  it('a running serve picks up a generation another process wrote, without a failed request', async () => {
    const data = tempDir();
    assert.equal((await runPaperboy(['--data', data, 'import', fixture('web-papers.jsonl')], { env: INFO })).code, 0);
    const serve = await startServe(['--data', data, 'serve', '--port', '0'], { env: { ...INFO, PAPERBOY_STARTER: 'off', PAPERBOY_DIGEST_SCHEDULE: 'off', PAPERBOY_RATE_LIMITS: 'false' } });
    try {
      let failures = 0;
      let requests = 0;
      let stop = false;
      const client = (async () => {
        while (!stop) {
          const res = await fetch(`${serve.url}/api/search?q=retrieval&mode=lexical`).catch(() => null);
          requests++;
          if (!res || res.status !== 200) failures++;
          await res?.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const more = join(data, 'more.jsonl');
      writeFileSync(more, `${JSON.stringify({ id: '2402.00002', title: 'Okapi retrieval for quagga herds', abstract: 'Quaggas.', authors: ['Grace Hopper'], categories: ['cs.IR'], announcedAt: '2024-02-02' })}\n`);
      const imported = await runPaperboy(['--data', data, 'import', more], { env: INFO });
      assert.equal(imported.code, 0, imported.stderr);
      let ids: string[] = [];
      for (let i = 0; i < 200 && !ids.includes('2402.00002'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ids = ((await (await fetch(`${serve.url}/api/search?q=quagga&mode=lexical`)).json()) as { items: { id: string }[] }).items.map((h) => h.id);
      }
      stop = true;
      await client;
      assert.deepEqual(ids, ['2402.00002']);
      assert.ok(requests > 0);
      assert.equal(failures, 0, `${failures} of ${requests} requests failed`);
      assert.ok(events(serve.stderr(), 'index.switched').length + events(serve.stderr(), 'search.refresh').length > 0);
    } finally {
      await serve.stop();
    }
  });

  it('a serve whose index could not be opened opens it again on a later request instead of failing until a restart', async () => {
    const data = tempDir();
    assert.equal((await runPaperboy(['--data', data, 'import', fixture('web-papers.jsonl')], { env: INFO })).code, 0);
    // The index folder replaced by a file: opening it fails (ENOTDIR / EEXIST), as an unreadable disk would.
    rmSync(join(data, 'index'), { recursive: true });
    writeFileSync(join(data, 'index'), 'not a folder');
    const serve = await startServe(['--data', data, 'serve', '--port', '0'], { env: { ...INFO, PAPERBOY_STARTER: 'off', PAPERBOY_DIGEST_SCHEDULE: 'off', PAPERBOY_RATE_LIMITS: 'false' } });
    try {
      const search = () => fetch(`${serve.url}/api/search?q=retrieval&mode=lexical`);
      let failed = await search();
      for (let i = 0; i < 100 && failed.status === 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        failed = await search();
      }
      assert.notEqual(failed.status, 200, 'the broken index folder makes searches fail');
      rmSync(join(data, 'index'));
      let res = await search();
      for (let i = 0; i < 100 && res.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        res = await search();
      }
      assert.equal(res.status, 200, serve.stderr().slice(-2000));
      assert.ok(((await res.json()) as { items: unknown[] }).items.length > 0);
    } finally {
      await serve.stop();
    }
  });

  it('keeps the index folder and the service\'s memory flat over 100 signal-only imports of the same papers', async () => {
    const clock = fixedClock('2024-01-10T12:00:00Z');
    const { dir, store, importFiles } = await testStore(tempDir(), clock);
    await importFiles([fixture('web-papers.jsonl')]);
    const indexDir = join(dir, 'index');
    const service = createSearchService({ store, embedder: null, logger: silentLogger, directory: new FileIndexDirectory({ dir: indexDir, fields: DEFAULT_FIELDS, k1: 1.2 }) });
    await service.refresh();
    const folder = () => readdirSync(indexDir).map((name) => ({ name, size: statSync(join(indexDir, name)).size }));
    const file = join(dir, 'signals.json');
    let first: { files: number; dataBytes: number; manifestBytes: number; memory: ReturnType<typeof service.memory>; segments: number } | null = null;
    for (let round = 1; round <= 100; round++) {
      clock.set(new Date(Date.parse('2024-01-10T12:00:00Z') + round * 60_000).toISOString());
      writeFileSync(file, JSON.stringify([{ paper: { id: '2401.00101', title: 'Sparse retrieval with learned term weights', upvotes: 30 + round, authors: [{ name: 'Ada Lovelace' }] }, publishedAt: '2024-01-09T00:00:00Z' }]));
      await importFiles([file]);
      assert.equal(await service.flush({ force: true }), true, `round ${round}: a new generation`);
      const files = folder();
      const manifest = files.find((f) => f.name === 'MANIFEST')!.size;
      const now = { files: files.length, dataBytes: files.reduce((sum, f) => sum + f.size, 0) - manifest, manifestBytes: manifest, memory: service.memory(), segments: service.status().segments };
      // The first import of the record also records what Hugging Face says beyond signals (it moves
      // the paper to a new segment once); from the second on, only signals change.
      if (round === 2) first = now;
      if (!first) continue;
      const listing = files.map((f) => `${f.name} ${f.size}`).join(', ');
      assert.deepEqual({ ...now, manifestBytes: 0 }, { ...first, manifestBytes: 0 }, `round ${round}: ${listing}`);
      // The manifest names the generation: its size grows by a digit now and then, nothing else.
      assert.ok(Math.abs(now.manifestBytes - first.manifestBytes) <= 16, `round ${round}: MANIFEST ${now.manifestBytes} bytes`);
    }
    assert.equal(service.status().generation, 101);
    assert.equal(service.engine.signals(service.engine.docIdOf('2401.00101')!).hfUpvotes, 130);
    await service.close();
  });
});
