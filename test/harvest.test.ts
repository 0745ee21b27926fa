import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createOaiHttpClient, parseRetryAfter } from '../src/adapters/arxiv/oai-http-client.ts';
import { harvest, type HarvestOptions } from '../src/app/harvest.ts';
import { systemClock } from '../src/ports/clock.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { tempDir, testStore } from './helpers.ts';
import { nestingBomb, runMeasured, writeGzip } from './memory-probe.ts';
import { ids, oaiError, oaiPage, startOaiServer, type OaiTestServer, type Reply } from './oai-server.ts';

const INTERVAL = 150;
let server: OaiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  handler: (params: Record<string, string>, index: number) => Reply,
  clientOptions: { maxAttempts?: number; timeoutMs?: number; maxPageBytes?: number; maxPageRecords?: number } = {},
) {
  server = await startOaiServer(handler);
  const { store } = await testStore();
  const source = createOaiHttpClient({
    baseUrl: server.url, clock: systemClock, logger: silentLogger, minIntervalMs: INTERVAL, timeoutMs: clientOptions.timeoutMs ?? 5000,
    backoffBaseMs: 20, backoffMaxMs: 100, maxAttempts: clientOptions.maxAttempts ?? 4,
    ...(clientOptions.maxPageBytes ? { maxPageBytes: clientOptions.maxPageBytes } : {}),
    ...(clientOptions.maxPageRecords ? { maxPageRecords: clientOptions.maxPageRecords } : {}),
  });
  const run = (options: Partial<HarvestOptions> = {}) => harvest({ store, source, clock: systemClock, logger: silentLogger }, { sets: ['cs'], from: undefined, ...options });
  return { store, run, server };
}

const gaps = (s: OaiTestServer) => s.requests.slice(1).map((r, i) => r.at - s.requests[i]!.at);

describe('harvesting arXiv OAI-PMH', () => {
  it('follows resumption tokens, stores records and deletions, and checkpoints the day it started', async () => {
    const { store, run, server: s } = await setup((params) => {
      if (params.resumptionToken === 'page2') return { body: oaiPage([...ids(3, 2), { id: '2401.00001', deleted: true }], { token: null, cursor: 2, completeListSize: 5 }) };
      return { body: oaiPage(ids(1, 2), { token: 'page2', cursor: 0, completeListSize: 5, responseDate: '2024-01-10T12:00:00Z' }) };
    });
    const report = await run({ from: '2024-01-08' });
    assert.deepEqual(report.counts, { added: 4, updated: 0, unchanged: 0, deleted: 1, rejected: 0 });
    assert.equal(report.sets[0]?.status, 'complete');
    assert.deepEqual(s.requests.map((r) => r.params), [
      { verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2024-01-08' },
      { verb: 'ListRecords', resumptionToken: 'page2' },
    ]);
    assert.equal((await store.getPaper('2401.00001'))?.deleted, true);
    const checkpoint = await store.getCheckpoint('cs|arXivRaw');
    assert.equal(checkpoint?.harvestedThrough, '2024-01-10');
    assert.equal(checkpoint?.resumptionToken, null);
    await store.close();
  });

  it('waits the minimum interval between requests', async () => {
    const { store, run, server: s } = await setup((params) => {
      const n = Number(params.resumptionToken ?? 0);
      return { body: oaiPage(ids(n * 10 + 1, 1), { token: n < 3 ? String(n + 1) : null }) };
    });
    await run({ from: '2024-01-08' });
    assert.equal(s.requests.length, 4);
    for (const gap of gaps(s)) assert.ok(gap >= INTERVAL - 5, `gap ${gap.toFixed(0)} ms < ${INTERVAL} ms`);
    await store.close();
  });

  it('starts the next run from the checkpoint and stops at once when arXiv has nothing new', async () => {
    const { store, run, server: s } = await setup((params, index) =>
      index === 0 ? { body: oaiPage(ids(1, 1), { responseDate: '2024-01-10T12:00:00Z' }) } : { body: oaiError('noRecordsMatch', 'No records match') },
    );
    await run({ from: '2024-01-01' });
    const second = await run();
    assert.equal(second.sets[0]?.status, 'nothing-new');
    assert.equal(second.sets[0]?.pages, 1);
    assert.equal(s.requests[1]?.params.from, '2024-01-10');
    assert.equal(s.requests.length, 2);
    await store.close();
  });

  it('honours 503 with Retry-After before asking again', async () => {
    const { store, run, server: s } = await setup((_params, index) =>
      index === 0 ? { status: 503, headers: { 'retry-after': '1' }, body: 'busy' } : { body: oaiPage(ids(1, 2)) },
    );
    const report = await run({ from: '2024-01-08' });
    assert.equal(report.counts.added, 2);
    assert.equal(s.requests.length, 2);
    assert.ok(gaps(s)[0]! >= 995, `waited only ${gaps(s)[0]!.toFixed(0)} ms`);
    await store.close();
  });

  it('retries a truncated page instead of importing half of it', async () => {
    const page = oaiPage(ids(1, 3));
    const { store, run, server: s } = await setup((_params, index) => (index === 0 ? { body: page, truncateAt: Math.floor(page.length / 2) } : { body: page }));
    const report = await run({ from: '2024-01-08' });
    assert.deepEqual(report.counts, { added: 3, updated: 0, unchanged: 0, deleted: 0, rejected: 0 });
    assert.equal(s.requests.length, 2);
    await store.close();
  });

  it('retries a page whose connection drops mid-body', async () => {
    const page = oaiPage(ids(1, 3));
    const { store, run, server: s } = await setup((_params, index) => (index === 0 ? { body: page, dropAt: 300 } : { body: page }));
    assert.equal((await run({ from: '2024-01-08' })).counts.added, 3);
    assert.equal(s.requests.length, 2);
    await store.close();
  });

  it('gives up with a clear message when pages stay truncated, keeping the checkpoint', async () => {
    const first = oaiPage(ids(1, 2), { token: 'next' });
    const broken = oaiPage(ids(3, 2));
    const { store, run, server: s } = await setup((params) =>
      params.resumptionToken ? { body: broken, truncateAt: 200 } : { body: first }, { maxAttempts: 3 });
    await assert.rejects(run({ from: '2024-01-08' }), /arXiv failed 3 times in a row for .*resumptionToken=next.*malformed or truncated page/);
    assert.equal(s.requests.length, 4);
    assert.equal((await store.getCheckpoint('cs|arXivRaw'))?.resumptionToken, 'next');
    assert.equal(await store.countPapers(), 2);
    await store.close();
  });

  it('gives up on a request that takes longer than the timeout and retries it', async () => {
    const { store, run, server: s } = await setup((_p, index) => (index === 0 ? { delayMs: 2000, body: oaiPage(ids(1, 1)) } : { body: oaiPage(ids(1, 1)) }), { timeoutMs: 300 });
    const started = performance.now();
    assert.equal((await run({ from: '2024-01-08' })).counts.added, 1);
    assert.equal(s.requests.length, 2);
    assert.ok(performance.now() - started < 1900, 'the slow answer was not awaited');
    await store.close();
  });

  it('retries server errors with backoff', async () => {
    const { store, run, server: s } = await setup((_p, index) => (index < 2 ? { status: 500, body: 'oops' } : { body: oaiPage(ids(1, 1)) }));
    assert.equal((await run({ from: '2024-01-08' })).counts.added, 1);
    assert.equal(s.requests.length, 3);
    await store.close();
  });

  it('resumes a paused harvest from its token and restarts the window once when the token has expired', async () => {
    const { store, run, server: s } = await setup((params) => {
      if (params.resumptionToken === 'stale') return { body: oaiError('badResumptionToken', 'The value of the resumptionToken argument is invalid or expired.') };
      if (params.resumptionToken === 'fresh') return { body: oaiPage(ids(3, 2), { token: null }) };
      const alreadyServed = s.requests.filter((r) => !r.params.resumptionToken).length > 1;
      return { body: oaiPage(ids(1, 2), { token: alreadyServed ? 'fresh' : 'stale' }) };
    });
    const paused = await run({ from: '2024-01-08', maxPages: 1 });
    assert.equal(paused.sets[0]?.status, 'paused');
    assert.equal((await store.getCheckpoint('cs|arXivRaw'))?.resumptionToken, 'stale');
    const resumed = await run();
    assert.equal(resumed.sets[0]?.resumed, true);
    assert.equal(resumed.sets[0]?.status, 'complete');
    assert.deepEqual(s.requests.map((r) => r.params.resumptionToken ?? `from=${r.params.from}`), ['from=2024-01-08', 'stale', 'from=2024-01-08', 'fresh']);
    assert.equal(await store.countPapers(), 4);
    await store.close();
  });

  it('stops instead of looping when arXiv repeats a resumption token', async () => {
    const { store, run } = await setup(() => ({ body: oaiPage(ids(1, 1), { token: 'same' }) }));
    await assert.rejects(run({ from: '2024-01-08' }), /returned the resumption token "same" twice; stopping instead of looping/);
    await store.close();
  });

  it('stops instead of looping on a run of empty pages', async () => {
    const { store, run, server: s } = await setup((params) => ({ body: oaiPage([], { token: `t${Number((params.resumptionToken ?? 't0').slice(1)) + 1}` }) }));
    await assert.rejects(run({ from: '2024-01-08' }), /returned 4 empty pages in a row/);
    assert.equal(s.requests.length, 4);
    await store.close();
  });

  it('reports OAI-PMH protocol errors without retrying', async () => {
    const { store, run, server: s } = await setup(() => ({ body: oaiError('badArgument', 'Illegal set') }));
    await assert.rejects(run({ from: '2024-01-08', sets: ['nonsense'] }), /arXiv OAI-PMH error badArgument: Illegal set/);
    assert.equal(s.requests.length, 1);
    await store.close();
  });

  it('refuses a nesting-bomb page at once, naming the record, without retrying and keeping the checkpoint', async () => {
    const first = oaiPage(ids(1, 2), { token: 'next' });
    const bomb = oaiPage(ids(3, 2)).replace('<title>', `<title>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`);
    const { store, run, server: s } = await setup((params) => ({ body: params.resumptionToken ? bomb : first }));
    await assert.rejects(
      run({ from: '2024-01-08' }),
      /refusing a page over a reader limit \(asking again would get the same page\): OAI page .*resumptionToken=next: line \d+: elements nested deeper than 64 levels \(limit maxDepth = 64\) inside <record> starting at line \d+ \(id "oai:arXiv.org:2401.00003"\); reading stopped there/,
    );
    assert.equal(s.requests.length, 2);
    assert.equal((await store.getCheckpoint('cs|arXivRaw'))?.resumptionToken, 'next');
    assert.equal(await store.countPapers(), 2);
    await store.close();
  });

  it('harvests a gzip-encoded page of 6 million nested elements in bounded memory', async () => {
    const dir = tempDir();
    const page = oaiPage(ids(3, 1));
    const at = page.indexOf('<title>') + '<title>'.length;
    await writeGzip(join(dir, 'bomb.xml.gz'), function* () {
      yield page.slice(0, at);
      yield* nestingBomb(6_000_000);
      yield page.slice(at);
    });
    const { result, peakMb } = await runMeasured<{ error: string; requests: number }>(`
      const { startOaiServer } = await import(src('test/oai-server.ts'));
      const { createOaiHttpClient } = await import(src('src/adapters/arxiv/oai-http-client.ts'));
      const { createSqlitePaperStore } = await import(src('src/adapters/sqlite/paper-store.ts'));
      const { harvest } = await import(src('src/app/harvest.ts'));
      const { systemClock } = await import(src('src/ports/clock.ts'));
      const { silentLogger } = await import(src('src/ports/logger.ts'));
      const body = readFileSync(process.env.BOMB_DIR + '/bomb.xml.gz');
      const server = await startOaiServer(() => ({ body, headers: { 'content-encoding': 'gzip' } }));
      const store = createSqlitePaperStore(process.env.BOMB_DIR + '/paperboy.db');
      const source = createOaiHttpClient({ baseUrl: server.url, clock: systemClock, logger: silentLogger, minIntervalMs: 10, backoffBaseMs: 10, maxAttempts: 2 });
      let error = '';
      try {
        await harvest({ store, source, clock: systemClock, logger: silentLogger }, { sets: ['cs'], from: '2024-01-08' });
      } catch (e) {
        error = e.message;
      }
      await store.close();
      await server.close();
      done({ error, requests: server.requests.length });
    `, { BOMB_DIR: dir });
    assert.match(result.error, /refusing a page over a reader limit .*elements nested deeper than 64 levels .*inside <record>/);
    assert.equal(result.requests, 1);
    console.log(`OAI nesting bomb: peak RSS ${peakMb} MB`);
    assert.ok(peakMb < 300, `peak RSS ${peakMb} MB`);
  });

  it('rejects a record over the element limit and stores the rest of its page', async () => {
    const page = oaiPage(ids(1, 3)).replace('<abstract>Abstract of 2401.00002.</abstract>', `<abstract>${'<x/>'.repeat(60_000)}</abstract>`);
    const rejected: (string | undefined)[] = [];
    const { store, run } = await setup(() => ({ body: page }));
    const report = await run({ from: '2024-01-08', onItem: (item) => item.outcome === 'rejected' && rejected.push(item.reason) });
    assert.equal(report.counts.added, 2);
    assert.match(rejected[0] ?? '', /^record 2 \(line \d+, id "oai:arXiv.org:2401.00002"\): <record> has more than 50,000 elements \(limit maxElementsPerRecord\); skipped$/);
    await store.close();
  });

  it('refuses a page over the size or record limit without retrying', async () => {
    const page = oaiPage(ids(1, 3));
    const big = await setup(() => ({ body: page }), { maxPageBytes: 1000 });
    await assert.rejects(big.run({ from: '2024-01-08' }), /the OAI page .* is larger than 1,000 bytes \(maxPageBytes\); refusing it/);
    assert.equal(big.server.requests.length, 1);
    await big.store.close();
    await server?.close();
    const many = await setup(() => ({ body: page }), { maxPageRecords: 2 });
    await assert.rejects(many.run({ from: '2024-01-08' }), /the OAI page .* holds more than 2 records \(maxPageRecords\); refusing it/);
    assert.equal(many.server.requests.length, 1);
    await many.store.close();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('120', 0), 120_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon', 0), null);
    assert.equal(parseRetryAfter(null, 0), null);
  });
});
