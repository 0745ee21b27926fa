import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, runPaperboy, startServe, tempDir } from './helpers.ts';

/**
 * 20,000 papers: large enough that the service's index refresh after the import is long work (a
 * refresh that held the event loop stalled every request for seconds), small enough that import,
 * the next refresh (every 30 s) and the checks fit in about a minute on a 2-core machine. The issue's
 * 75k would take three times as long for the same question: `PAPERBOY_TEST_BESIDE_PAPERS=75000`
 * runs it at that size (a multiple of 200; docs/performance.md has the figures).
 */
const PAPERS = Number(process.env.PAPERBOY_TEST_BESIDE_PAPERS || 20_000);
if (!Number.isInteger(PAPERS) || PAPERS <= 0 || PAPERS % 200 !== 0) throw new Error(`PAPERBOY_TEST_BESIDE_PAPERS must be a positive multiple of 200, got ${process.env.PAPERBOY_TEST_BESIDE_PAPERS}`);
/** A word in every 200th generated paper (the last one included) and in no fixture: its hit count says how far the index has got. */
const MARKER = 'quokkatronic';
const MARKED = PAPERS / 200;
/** The client's bound: a request not answered within it counts as a stall. */
const TIMEOUT_MS = 1000;

/** Synthetic papers in the arXiv snapshot format, their words drawn from the fixture abstracts. */
function writeCorpus(file: string, count: number) {
  const sample = readFileSync(fixture('arxiv-sample.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { abstract: string; categories: string });
  const words = [...new Set(sample.flatMap((p) => p.abstract.toLowerCase().match(/[a-z]{3,}/g) ?? []))];
  const categories = [...new Set(sample.map((p) => p.categories))];
  let seed = 13;
  const pick = <T>(list: T[]) => list[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % list.length]!;
  const phrase = (n: number) => Array.from({ length: n }, () => pick(words)).join(' ');
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const month = String(1 + (i % 12)).padStart(2, '0');
    lines.push(JSON.stringify({
      id: `24${month}.${String(Math.floor(i / 12)).padStart(5, '0')}`,
      title: `${phrase(6)} ${i % 200 === 199 ? MARKER : ''}`.trim(),
      abstract: phrase(120),
      authors: `['${pick(['Ada', 'Alan', 'Grace', 'Edsger'])} ${pick(['Lovelace', 'Turing', 'Hopper', 'Dijkstra'])}']`,
      categories: pick(categories),
      date: `2024-${month}-15`,
    }));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

describe('a large import beside a running serve', () => {
  it(`keeps answering: no request waits more than ${TIMEOUT_MS} ms while ${PAPERS.toLocaleString('en')} papers are imported and indexed`, async (t) => {
    const data = tempDir();
    const corpus = join(tempDir(), 'papers.jsonl');
    writeCorpus(corpus, PAPERS);
    assert.equal((await runPaperboy(['--data', data, 'import', fixture('arxiv-sample.jsonl')])).code, 0);
    // No model: the question is the index refresh, not a background embedding sharing the cores.
    const env = { ...process.env, PAPERBOY_DATA: '', PAPERBOY_STARTER: 'off', PAPERBOY_MODEL_DIR: tempDir(), PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_RATE_LIMITS: '0', PAPERBOY_LOG_LEVEL: 'warn' };
    const serve = await startServe(['--data', data, 'serve', '--port', '0'], { env });
    // Marked papers found, month by month: a search's total counts its candidate pool (200 at
    // most), so at 75k papers (375 marked) one query could never count them all.
    const indexed = async () => {
      let found = 0;
      for (let month = 1; month <= 12; month++) {
        const mm = String(month).padStart(2, '0');
        const res = await fetch(`${serve.url}/api/search?q=${MARKER}&mode=keyword&limit=1&from=2024-${mm}-01&to=2024-${mm}-28`, { signal: AbortSignal.timeout(10_000) });
        found += ((await res.json()) as { total: number }).total;
      }
      return found;
    };

    // The bounded client: two loops, one request at a time each, searches and pages in turn.
    const paths = ['/api/search?q=segmentation+video&mode=keyword', '/search?q=medical+images&mode=keyword', '/', '/api/search?q=learning+model&mode=keyword&page=3'];
    // Warm (first page renders compile templates and fill caches): the bound is about the import.
    for (const path of [...paths, ...paths]) await (await fetch(serve.url + path)).arrayBuffer();
    let running = true;
    let requests = 0;
    let longest = { ms: 0, path: '', at: 0 };
    const stalls: string[] = [];
    const started = performance.now();
    const client = async (offset: number) => {
      for (let i = offset; running; i++) {
        const path = paths[i % paths.length]!;
        const sent = performance.now();
        try {
          const res = await fetch(serve.url + path, { signal: AbortSignal.timeout(TIMEOUT_MS) });
          await res.arrayBuffer();
          if (!res.ok) stalls.push(`${path}: HTTP ${res.status}`);
        } catch (error) {
          stalls.push(`${path} at ${((sent - started) / 1000).toFixed(1)} s: ${(error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : (error as Error).message}`);
        }
        const ms = performance.now() - sent;
        if (ms > longest.ms) longest = { ms, path, at: (sent - started) / 1000 };
        requests++;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const clients = [client(0), client(1)];
    let seen = 0;
    try {
      const imported = await runPaperboy(['--data', data, 'import', corpus], { timeoutMs: 120_000 });
      assert.equal(imported.code, 0, imported.stderr);
      const importedAt = (performance.now() - started) / 1000;
      // The service picks the papers up on its next refresh: keep the load on until it has all of them.
      // (A minute at most on a quiet 2-core machine; the bound is for a machine that others load too.)
      for (const deadline = performance.now() + 300_000; (seen = await indexed()) < MARKED && performance.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 250));
      }
      t.diagnostic(`import done at ${importedAt.toFixed(1)} s; ${seen} of ${MARKED} marked papers searchable at ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      running = false;
      await Promise.all(clients);
      await serve.stop();
      t.diagnostic(`${requests} requests; longest wait ${Math.round(longest.ms)} ms (${longest.path} at ${longest.at.toFixed(1)} s); bound ${TIMEOUT_MS} ms`);
    }
    assert.deepEqual(stalls, [], `requests that waited more than ${TIMEOUT_MS} ms or failed`);
    assert.equal(seen, MARKED, 'the service indexed every imported paper while the client ran');
  });
});
