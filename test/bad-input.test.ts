import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ingestItems } from '../src/app/ingest.ts';
import type { PaperStore } from '../src/ports/paper-store.ts';
import type { SourceItem } from '../src/ports/record-source.ts';
import { fixture, tempDir, testStore } from './helpers.ts';
import { nestingBomb, runMeasured, writeGzip } from './memory-probe.ts';

const atomEntry = (id: string, inner = '') => `<entry>\n<id>http://arxiv.org/abs/${id}v1</id><title>Paper ${id}</title>${inner}<category term="cs.LG"/></entry>\n`;
const ATOM_START = '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n';

const good = (id: string, title = `Paper ${id}`) => JSON.stringify({ id, title, abstract: 'ok', authors: ['A'], categories: ['cs.LG'] });


/**
 * Imports `names` (files in `dir`) in a child process, as the CLI does it (a worker thread reads each
 * file), so that its peak memory is measured alone; per file, papers added and rejection reasons.
 */
function importInChild(dir: string, names: string[]) {
  return runMeasured<{ file: string; added: number; rejected: string[] }[]>(`
      const { createThreadedSourceOpener } = await import(src('src/adapters/formats/threaded-source.ts'));
      const { createSqlitePaperStore } = await import(src('src/adapters/sqlite/paper-store.ts'));
      const { importFiles } = await import(src('src/app/import-files.ts'));
      const { systemClock } = await import(src('src/ports/clock.ts'));
      const { silentLogger } = await import(src('src/ports/logger.ts'));
      const store = createSqlitePaperStore(process.env.BOMB_DIR + '/paperboy.db');
      const out = [];
      for (const name of JSON.parse(process.env.BOMB_FILES)) {
        const rejected = [];
        const report = await importFiles({ store, sources: createThreadedSourceOpener(), clock: systemClock, logger: silentLogger }, [process.env.BOMB_DIR + '/' + name], {
          onItem: (_, item) => { if (item.outcome === 'rejected') rejected.push(item.reason); },
        });
        out.push({ file: name, added: report.counts.added, rejected });
      }
      await store.close();
      done(out);
    `, { BOMB_DIR: dir, BOMB_FILES: JSON.stringify(names) });
}

describe('bad input', () => {
  let ctx: Awaited<ReturnType<typeof testStore>>;
  let dir: string;
  before(async () => {
    dir = tempDir();
    ctx = await testStore(dir);
    // Something already stored that no bad file may damage.
    await ctx.importFiles([fixture('oai-arxivraw.xml')]);
  });

  const assertStoreIntact = async () => {
    const paper = await ctx.store.getPaper('2401.00001');
    assert.equal(paper?.title, 'Similarity search in the blink of an eye with compressed indices');
    if (ctx.stores.kind === 'sqlite') {
      const db = new Database(join(dir, 'paperboy.db'), { readonly: true });
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      db.close();
    }
  };

  it('reports malformed JSON, invalid UTF-8, a missing title and an absurd field by line, and keeps the good lines', async () => {
    const file = join(dir, 'mixed.jsonl');
    const lines = [
      Buffer.from(good('2501.00001')),
      Buffer.from('{"id": "2501.00002", "title": "unterminated'),
      Buffer.concat([Buffer.from('{"id": "2501.00003", "title": "bad '), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      Buffer.from(JSON.stringify({ id: '2501.00004', abstract: 'no title' })),
      Buffer.from(JSON.stringify({ id: '2501.00005', title: 't', abstract: 'x'.repeat(1_000_000) })),
      Buffer.from('[1, 2, 3]'),
      Buffer.from(JSON.stringify({ id: 'not-an-id!', title: 't' })),
      Buffer.from(''),
      Buffer.from(good('2501.00009')),
    ];
    writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added, 2);
    assert.deepEqual(rejected.map((r) => [r.ref.line, r.reason?.replace(/\(.*\)/, '(...)')]), [
      [2, 'line 2: malformed JSON (...)'],
      [3, 'line 3: invalid UTF-8 near character 36'],
      [4, "line 4: field 'title' is missing or empty"],
      [5, "line 5: field 'abstract' is 1,000,000 characters long; the limit is 20,000"],
      [6, 'line 6: expected a JSON object, got an array'],
      [7, 'line 7: field \'id\': "not-an-id!" is not an arXiv id (...) or a source:id'],
    ]);
    assert.ok(await ctx.store.getPaper('2501.00009'));
    await assertStoreIntact();
  });

  it('names the JSON type of a line that is not an object: null, an array, a number, a string, a boolean', async () => {
    const file = join(dir, 'not-objects.jsonl');
    writeFileSync(file, [good('2501.00010'), 'null', '[1]', '42', '"text"', 'true'].join('\n'));
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added, 1);
    assert.deepEqual(rejected.map((r) => r.reason), [
      'line 2: expected a JSON object, got null',
      'line 3: expected a JSON object, got an array',
      'line 4: expected a JSON object, got a number',
      'line 5: expected a JSON object, got a string',
      'line 6: expected a JSON object, got a boolean (true)',
    ]);
  });

  it('rejects ids that would escape their URL segment, in every format, and still imports old-style arXiv ids', async () => {
    const jsonl = join(dir, 'hostile-ids.jsonl');
    const hostile = ['x:a/../2611.10001', 'x:a/../../signout/everywhere?', 'x:a"b', 'x:a%2e%2e', 'x:a#top', 'x:a b', 'x:a\u0007b', 'x:a..b'];
    writeFileSync(jsonl, [...hostile.map((id) => JSON.stringify({ id, title: 'Hostile' })), good('hep-th/9901002'), good('math.GT/0309137v2'), good('openreview:Ab-1_c.d')].join('\n'));
    const { report, rejected } = await ctx.importFiles([jsonl]);
    assert.equal(report.counts.added, 3);
    assert.deepEqual(rejected.map((r) => r.reason?.replace(/ is not an arXiv id.*source:id/, ' ...')), [
      `line 1: field 'id': "x:a/../2611.10001" ...: '/' is allowed only in old-style arXiv ids such as hep-th/9901001`,
      `line 2: field 'id': "x:a/../../signout/everywhere?" ...: '/' is allowed only in old-style arXiv ids such as hep-th/9901001`,
      `line 3: field 'id': "x:a\\"b" ...: "\\"" is not allowed (a source id holds letters, digits, '.', '_', ':' and '-')`,
      `line 4: field 'id': "x:a%2e%2e" ...: "%" is not allowed (a source id holds letters, digits, '.', '_', ':' and '-')`,
      `line 5: field 'id': "x:a#top" ...: "#" is not allowed (a source id holds letters, digits, '.', '_', ':' and '-')`,
      `line 6: field 'id': "x:a b" ...: " " is not allowed (a source id holds letters, digits, '.', '_', ':' and '-')`,
      `line 7: field 'id': "x:a\\u0007b" ...: "\\u0007" is not allowed (a source id holds letters, digits, '.', '_', ':' and '-')`,
      `line 8: field 'id': "x:a..b" ...: '..' is not allowed`,
    ]);
    assert.ok(await ctx.store.getPaper('hep-th/9901002'));
    assert.equal((await ctx.store.getPaper('math.GT/0309137'))?.version, 2);
    assert.equal(await ctx.store.getPaper('2611.10001'), null);

    const atom = join(dir, 'hostile-ids.xml');
    writeFileSync(atom, ATOM_START + '<entry><id>x:a/../2611.10001</id><title>Hostile</title></entry>\n<entry><id>http://arxiv.org/abs/hep-th/9901003v1</id><title>Old style</title></entry></feed>');
    const fromAtom = await ctx.importFiles([atom]);
    assert.equal(fromAtom.report.counts.added, 1);
    assert.match(fromAtom.rejected[0]!.reason!, /^record 1 \(line 3\): field 'id': "x:a\/..\/2611.10001" is not an arXiv id/);

    const hf = join(dir, 'hostile-ids.json');
    writeFileSync(hf, JSON.stringify([{ paper: { id: 'x:abc', title: 'Not arXiv' } }, { paper: { id: '2508.00001', title: 'Fine' } }]));
    const fromHf = await ctx.importFiles([hf]);
    assert.equal(fromHf.report.counts.added, 1);
    assert.equal(fromHf.rejected[0]!.reason, `element 1: field 'id': "x:abc" is not an arXiv id (2401.01234v2, hep-th/9901001), the only ids this source (hf-daily) carries`);
    await assertStoreIntact();
  });

  it('skips a line longer than the limit without buffering it, and goes on', async () => {
    const file = join(dir, 'long-line.jsonl');
    writeFileSync(file, `${good('2502.00001')}\n{"id":"2502.00002","title":"${'y'.repeat(17 * 1024 * 1024)}"}\n${good('2502.00003')}\n`);
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added, 2);
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.reason!, /^line 2: longer than the 16,777,216-byte limit/);
  });

  it('imports what precedes the cut in a truncated gzip file and says the file is truncated', async () => {
    const file = join(dir, 'cut.jsonl.gz');
    const body = Array.from({ length: 3000 }, (_, i) => good(`2503.${String(i + 1).padStart(5, '0')}`, `Paper number ${i} ${'lorem ipsum '.repeat(20)}`)).join('\n') + '\n';
    const gz = gzipSync(body);
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const { report, rejected } = await ctx.importFiles([file]);
    assert.ok(report.counts.added > 1000 && report.counts.added < 3000, `imported ${report.counts.added}`);
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.reason!, /^after line \d+: .*cut\.jsonl\.gz is truncated \(the gzip stream ends unexpectedly\)/);
    // Rerunning with the complete file completes the import.
    writeFileSync(file, gz);
    const rerun = await ctx.importFiles([file]);
    assert.equal(rerun.report.counts.added, 3000 - report.counts.added);
    assert.equal(rerun.report.counts.unchanged, report.counts.added);
    await assertStoreIntact();
  });

  it('refuses XML with external entities (XXE) without reading the entity', async () => {
    const file = join(dir, 'xxe.xml');
    writeFileSync(file, `<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<OAI-PMH><ListRecords><record><header><identifier>oai:arXiv.org:2504.00001</identifier></header>
<metadata><arXivRaw><id>2504.00001</id><title>&xxe;</title></arXivRaw></metadata></record></ListRecords></OAI-PMH>`);
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added, 0);
    assert.match(rejected[0]!.reason!, /line 2: a DOCTYPE declaration is not accepted/);
    assert.equal(await ctx.store.getPaper('2504.00001'), null);
    await assertStoreIntact();
  });

  it('refuses an entity-expansion bomb quickly', async () => {
    const file = join(dir, 'bomb.xml');
    const entities = Array.from({ length: 10 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
    writeFileSync(file, `<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY lol0 "lol">\n${entities}]>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2504.00002v1</id><title>&lol10;</title></entry></feed>`);
    const { rejected } = await ctx.importFiles([file]);
    assert.match(rejected[0]!.reason!, /DOCTYPE declaration is not accepted/);
  });

  it('reports an undefined entity and a malformed XML record, keeping the records before it', async () => {
    const file = join(dir, 'broken.xml');
    const text = readFileSync(fixture('oai-arxivraw.xml'), 'utf8').replace('<title>An old-style identifier</title>', '<title>Broken &nbsp; <i>tag</title>');
    writeFileSync(file, text);
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.unchanged + report.counts.added + report.counts.deleted, 2, 'the two records before the error');
    assert.match(rejected[0]!.reason!, /^after record 2: .*broken\.xml: malformed XML: \d+:\d+: undefined entity/);
    await assertStoreIntact();
  });

  it('reports a truncated XML file', async () => {
    const file = join(dir, 'truncated.xml');
    const text = readFileSync(fixture('atom.xml'), 'utf8');
    writeFileSync(file, text.slice(0, text.indexOf('<entry>', text.indexOf('</entry>')) + 40));
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added + report.counts.unchanged, 1);
    assert.match(rejected[0]!.reason!, /^after record 1: .*malformed XML: .*unclosed tag/);
  });

  it('bounds memory on XML bombs: 6 million nested elements, a 1 GiB text node, a million attributes, nesting before any record', async () => {
    const bombDir = tempDir();
    const file = (name: string) => join(bombDir, name);
    await writeGzip(file('nested.xml.gz'), function* () {
      yield ATOM_START + atomEntry('2506.00001') + '<entry><id>http://arxiv.org/abs/2506.00002v1</id><title>Bomb</title>';
      yield* nestingBomb(6_000_000);
      yield '</entry></feed>';
    });
    await writeGzip(file('nested-first.xml.gz'), function* () {
      yield ATOM_START;
      yield* nestingBomb(2_000_000);
      yield '</feed>';
    });
    await writeGzip(file('text.xml.gz'), function* () {
      yield ATOM_START + atomEntry('2506.00003') + '<entry><id>http://arxiv.org/abs/2506.00004v1</id><title>';
      const mib = Buffer.alloc(1024 * 1024, 'x');
      for (let i = 0; i < 1024; i++) yield mib;
      yield '</title></entry></feed>';
    });
    await writeGzip(file('attributes.xml.gz'), function* () {
      yield ATOM_START + '<entry';
      for (let i = 0; i < 1000; i++) yield Array.from({ length: 1000 }, (_, j) => ` a${i}_${j}=""`).join('');
      yield '><id>http://arxiv.org/abs/2506.00005v1</id><title>t</title></entry></feed>';
    });
    // The import runs in a child process, as the CLI does it (a worker thread reads the file), so that
    // its peak memory can be measured alone.
    const { result, peakMb } = await importInChild(bombDir, ['nested.xml.gz', 'nested-first.xml.gz', 'text.xml.gz', 'attributes.xml.gz']);
    const [nested, first, text, attributes] = result;
    assert.equal(nested?.added, 1, 'the entry before the bomb');
    assert.deepEqual(nested?.rejected.map((r) => r.replace(/ line \d+/g, ' line N')), [
      `after record 1: ${file('nested.xml.gz')}: line N: elements nested deeper than 64 levels (limit maxDepth = 64) inside <entry> starting at line N (id "http://arxiv.org/abs/2506.00002v1"); reading stopped there`,
    ]);
    assert.equal(first?.added, 0);
    assert.match(first?.rejected[0] ?? '', /^after record 0: .*nested-first\.xml\.gz: line 3: elements nested deeper than 64 levels \(limit maxDepth = 64\); reading stopped there$/);
    assert.equal(text?.added, 1);
    assert.match(text?.rejected[0] ?? '', /^after record 1: .*: a text node, attribute value, comment or name longer than 1,048,576 characters \(limit maxTokenChars = 1,048,576\) inside <entry> starting at line 5 \(id "http:\/\/arxiv\.org\/abs\/2506\.00004v1"\); reading stopped there$/);
    assert.equal(attributes?.added, 0);
    assert.match(attributes?.rejected[0] ?? '', /an element has more than 64 attributes \(limit maxAttributes = 64\); reading stopped there$/);
    console.log(`XML bombs: peak RSS ${peakMb} MB`);
    assert.ok(peakMb < 300, `peak RSS ${peakMb} MB`);
    const db = new Database(join(bombDir, 'paperboy.db'), { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.prepare('SELECT id FROM papers ORDER BY id').pluck().all(), ['2506.00001', '2506.00003']);
    db.close();
  });

  it('rejects deeply nested or huge JSON records and author lists before they take memory', async () => {
    const bombDir = tempDir();
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    await writeGzip(join(bombDir, 'deep.jsonl.gz'), function* () {
      yield `${good('2509.00001')}\n{"id":"2509.00002","title":"t","x":${deep(8_000_000)}}\n`;
      yield `{"id":"2509.00003","title":"t","x":[${'{},'.repeat(5_000_000)}{}]}\n${good('2509.00004')}\n`;
      // Author strings are split before the limits apply: one name of 16 million characters, 4 million names.
      yield `{"id":"2509.00007","title":"t","authors":"${'n'.repeat(16_000_000)}"}\n`;
      yield `{"id":"2509.00008","title":"t","authors":"${'ab, '.repeat(4_000_000)}"}\n`;
    });
    await writeGzip(join(bombDir, 'deep.json.gz'), function* () {
      yield `[{"paper":{"id":"2509.00005","title":"t","x":${deep(8_000_000)}}}, {"paper":{"id":"2509.00006","title":"Fine"}}]`;
    });
    const { result: imported, peakMb } = await importInChild(bombDir, ['deep.jsonl.gz', 'deep.json.gz']);
    const result = imported.map(({ added, rejected }) => ({ added, rejected }));
    assert.deepEqual(result, [
      {
        added: 2,
        rejected: [
          'line 2: JSON nested deeper than 64 levels (limit maxDepth); skipped',
          'line 3: more than 100,000 JSON values in one record (limit maxValues); skipped',
          "line 5: field 'authors[0]' is 16,000,000 characters long; the limit is 1,000",
          "line 6: field 'authors' has more than 10,000 names (the limit)",
        ],
      },
      { added: 1, rejected: ['element 1: JSON nested deeper than 64 levels (limit maxDepth); skipped'] },
    ]);
    console.log(`JSON bombs: peak RSS ${peakMb} MB`);
    assert.ok(peakMb < 300, `peak RSS ${peakMb} MB`);
  });

  it('stops at a comment, CDATA section, processing instruction, attribute value or name over 1 MiB, inside or outside records', async () => {
    const big = 'z'.repeat(1024 * 1024 + 1);
    const cases = [
      `<!--${big}-->`, `<entry><id>http://arxiv.org/abs/2512.00002v1</id><title><![CDATA[${big}]]></title></entry>`, `<?pi ${big}?>`,
      `<entry x="${big}"/>`, `<${big}/>`,
      // An entity reference is checked between writes only (saxes reports none before its end): 2 MiB.
      `<entry><id>http://arxiv.org/abs/2512.00002v1</id><title>&${big}${big};</title></entry>`,
    ];
    for (const [i, bomb] of cases.entries()) {
      const file = join(dir, `token-${i}.xml`);
      writeFileSync(file, ATOM_START + atomEntry('2512.00001') + bomb + atomEntry('2512.00003') + '</feed>');
      const { rejected } = await ctx.importFiles([file]);
      assert.equal(rejected.length, 1, bomb.slice(0, 20));
      assert.match(rejected[0]!.reason!, /^after record 1: .*longer than 1,048,576 characters \(limit maxTokenChars = 1,048,576\)/, bomb.slice(0, 20));
    }
  });

  it('rejects an XML record over the element or text limit by number, line and id, and imports the records after it', async () => {
    const file = join(dir, 'oversized.xml');
    const manyElements = '<x/>'.repeat(60_000);
    const muchText = '<comment>' + 'y'.repeat(900_000) + '</comment>';
    writeFileSync(file, ATOM_START + atomEntry('2507.00001') + atomEntry('2507.00002', manyElements) + atomEntry('2507.00003') + atomEntry('2507.00004', muchText.repeat(5)) + atomEntry('2507.00005') + '</feed>');
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added, 3);
    assert.deepEqual(rejected.map((r) => [r.ref.record, r.id, r.reason]), [
      [2, 'http://arxiv.org/abs/2507.00002v1', 'record 2 (line 5, id "http://arxiv.org/abs/2507.00002v1"): <entry> has more than 50,000 elements (limit maxElementsPerRecord); skipped'],
      [4, 'http://arxiv.org/abs/2507.00004v1', 'record 4 (line 9, id "http://arxiv.org/abs/2507.00004v1"): <entry> holds more than 4,194,304 characters of text (limit maxTextPerRecord); skipped'],
    ]);
    assert.ok(await ctx.store.getPaper('2507.00005'));
    await assertStoreIntact();
  });

  it('writes big records in batches bounded by characters as well as by count', async () => {
    const batches: number[] = [];
    const store: PaperStore = Object.assign(Object.create(ctx.store) as PaperStore, {
      upsertPapers: ((inputs, merge) => {
        batches.push(inputs.length);
        return ctx.store.upsertPapers(inputs, merge);
      }) satisfies PaperStore['upsertPapers'],
    });
    const authors = Array.from({ length: 2000 }, (_, i) => `${i} ${'n'.repeat(495)}`);
    const items: SourceItem[] = Array.from({ length: 20 }, (_, i) => ({
      kind: 'record', ref: { record: i + 1 }, input: { id: `2511.${String(i + 1).padStart(5, '0')}`, title: `Big ${i}`, authors, source: 'test' },
    }));
    const counts = await ingestItems({ store, clock: ctx.clock }, items);
    assert.equal(counts.added, 20);
    assert.deepEqual(batches, [8, 8, 4], 'about 8 million characters per batch (1 million per record)');
  });

  it('reports a bad element of a Hugging Face JSON array and a truncated array', async () => {
    const file = join(dir, 'hf.json');
    writeFileSync(file, '[{"paper":{"id":"2505.00001","title":"Fine"}}, {"paper":{"id":"2505.00002","title":42}}, {"paper": oops}, {"paper":{"id":"2505.00004","title":"Last"');
    const { report, rejected } = await ctx.importFiles([file]);
    assert.equal(report.counts.added, 1);
    assert.deepEqual(rejected.map((r) => r.reason?.replace(/\(.*\)/, '(...)')), [
      "element 2: field 'paper.title': Invalid input: expected string, received number",
      'element 3: malformed JSON (...)',
      'after element 3: the JSON array is not closed: the file looks truncated after element 3',
    ]);
  });

  it('refuses a file whose format cannot be told, naming it', async () => {
    const file = join(dir, 'what.bin');
    writeFileSync(file, 'hello, world');
    await assert.rejects(ctx.importFiles([file]), /what\.bin: cannot tell the format \(it starts with "hello, world"\); pass --format/);
  });
});
