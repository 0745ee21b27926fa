import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runPaperboy, startServe, tempDir } from './helpers.ts';

/** `paperboy serve --port 0` on `data`, without a model: the tests are about the data, not embeddings. */
function serve(data: string, env: Record<string, string> = {}) {
  return startServe(['--data', data, 'serve', '--port', '0'], {
    env: { ...process.env, PAPERBOY_DATA: '', PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_MODEL_DIR: join(data, 'no-model'), PAPERBOY_DIGEST_SCHEDULE: 'off', ...env },
  });
}

describe('the starter corpus', () => {
  it('is imported when serve starts on an empty database, once, so that real papers show at once', async () => {
    const data = tempDir();
    const server = await serve(data);
    try {
      assert.match(server.stderr(), /database in .* is empty: importing the starter corpus/);
      assert.match(server.stderr(), /starter corpus: 4232 added, 0 updated, 0 unchanged, 0 deleted, 0 rejected/);
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { papers: number };
      assert.equal(health.papers, 4232);
      const paper = (await (await fetch(`${server.url}/api/papers/2606.32040`)).json()) as { title: string; authors: string[] };
      assert.equal(paper.title, 'FaceMoE: Mixture of Experts for Low-Resolution Face Recognition');
      assert.ok(paper.authors.length > 0);
      const home = await (await fetch(`${server.url}/`)).text();
      assert.doesNotMatch(home, /No papers yet|No papers in this period/);
      assert.match(home, /href="\/papers\/2606\.\d{5}"/, 'the trending page lists starter papers');
      const daily = await (await fetch(`${server.url}/daily?date=2026-07-01`)).text();
      assert.doesNotMatch(daily, /No papers yet/);
      assert.match(daily, /href="\/papers\/2606\.\d{5}"/);
    } finally {
      await server.stop();
    }
    // A second start finds papers and imports nothing.
    const again = await serve(data);
    await again.stop();
    assert.doesNotMatch(again.stderr(), /starter corpus/);
  });

  it('is left out with PAPERBOY_STARTER=off; the empty page then prints commands with the data directory in use', async () => {
    const data = join(tempDir(), "Bob's papers");
    mkdirSync(data);
    const server = await serve(data, { PAPERBOY_STARTER: 'off' });
    try {
      assert.doesNotMatch(server.stderr(), /starter corpus/);
      assert.equal(((await (await fetch(`${server.url}/healthz`)).json()) as { papers: number }).papers, 0);
      const html = await (await fetch(`${server.url}/`)).text();
      assert.match(html, /No papers yet/);
      // The directory is shell-quoted (and HTML-escaped in the page).
      const quoted = `'${data.replace("'", `'\\''`)}'`.replaceAll("'", '&#39;');
      assert.ok(html.includes(`npx paperboy --data ${quoted} import --starter`), html.slice(html.indexOf('No papers yet')));
      assert.ok(html.includes(`npx paperboy --data ${quoted} harvest --set cs`));
      assert.doesNotMatch(html, /shared\/data/);
    } finally {
      await server.stop();
    }
    const imported = await runPaperboy(['--data', data, 'import', '--starter', '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).counts.added, 4232);
  });

  it('import without files or --starter is a usage error', async () => {
    const result = await runPaperboy(['--data', tempDir(), 'import']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /give the files to import, or --starter/);
  });
});
