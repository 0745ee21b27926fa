import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, ROOT, runPaperboy, STARTER_CORPUS, startServe, tempDir } from './helpers.ts';
import { storeEnv } from './test-store.ts';

describe('the paperboy command', () => {
  it('prints help for itself and every subcommand, exit 0', async () => {
    const top = await runPaperboy(['--help']);
    assert.equal(top.code, 0);
    for (const command of ['import', 'harvest', 'stats', 'search', 'similar', 'embed', 'eval', 'serve']) {
      assert.match(top.stdout, new RegExp(`^  ${command}\\b`, 'm'));
      const help = await runPaperboy([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^Usage: paperboy ${command}`, 'm'));
    }
  });

  it('imports a seed-shaped list, reports 46 papers in stats --json, and adds nothing the second time', async () => {
    const data = tempDir();
    const first = await runPaperboy(['--data', data, 'import', fixture('seed-papers.jsonl')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /seed-papers\.jsonl \(jsonl\): 46 added, 0 updated, 0 unchanged, 0 deleted, 0 rejected/);
    const stats = await runPaperboy(['stats', '--json'], { env: { PAPERBOY_DATA: data } });
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).papers, 46);
    const second = await runPaperboy(['--data', data, 'import', '--json', fixture('seed-papers.jsonl')]);
    assert.equal(second.code, 0);
    const report = JSON.parse(second.stdout);
    assert.equal(report.counts.added, 0);
    assert.equal(report.counts.updated, 0);
    assert.equal(report.counts.unchanged, 46);
  });

  it('exits 1 when some records are rejected, naming them, and writes a per-record report', async () => {
    const data = tempDir();
    const file = join(data, 'some-bad.jsonl');
    writeFileSync(file, '{"id":"2401.00001","title":"Good"}\n{"id":"2401.00002"}\nnot json\n');
    const reportFile = join(data, 'report.jsonl');
    const result = await runPaperboy(['--data', data, 'import', '--report', reportFile, file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /rejected: .*some-bad\.jsonl: line 2: field 'title' is missing or empty/);
    assert.match(result.stderr, /rejected: .*some-bad\.jsonl: line 3: malformed JSON/);
    const lines = readFileSync(reportFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.line, l.outcome]), [[2, 'rejected'], [3, 'rejected'], [1, 'added']]);
  });

  it('exits 2 on usage errors and fatal errors, with a clear message', async () => {
    const data = tempDir();
    const unknown = await runPaperboy(['--data', data, 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const badFormat = await runPaperboy(['--data', data, 'import', '--format', 'csv', fixture('atom.xml')]);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /argument 'csv' is invalid/);
    const missing = await runPaperboy(['--data', data, 'import', join(data, 'nope.jsonl')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read ".*nope\.jsonl": no such file/);
    const badDate = await runPaperboy(['--data', data, 'harvest', '--from', '2024-13-01']);
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /expected a date as YYYY-MM-DD, got "2024-13-01"/);
    const badConfig = await runPaperboy(['--data', data, 'stats'], { env: { PAPERBOY_PORT: 'eighty', PAPERBOY_OAI_URL: 'ftp://x' } });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /port \(PAPERBOY_PORT\)/);
    assert.match(badConfig.stderr, /harvest\.baseUrl \(PAPERBOY_OAI_URL\)/);
  });

  it('prints plain periodic progress lines when not on a TTY', async () => {
    const data = tempDir();
    const result = await runPaperboy(['--data', data, 'import', '--batch-size', '100', STARTER_CORPUS], {
      env: { PAPERBOY_PROGRESS_INTERVAL_MS: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^import .*arxiv-starter\.jsonl\.gz: \d+% [\d,]+ records, [\d,]+ records\/s, ETA \S+$/m);
    assert.ok(!result.stderr.includes('\u001b['), 'no terminal escapes in plain mode');
    assert.match(result.stdout, /4232 added/);
  });

  it('serves the data directory over HTTP and shuts down cleanly on SIGTERM', async () => {
    const data = tempDir();
    await runPaperboy(['--data', data, 'import', fixture('atom.xml')]);
    const server = await startServe(['--data', data, 'serve', '--port', '0']);
    const { url } = server;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { papers: number }).papers, 2);
    const paper = (await (await fetch(`${url}/api/papers/2402.01234`)).json()) as { title: string };
    assert.equal(paper.title, 'Attention Is Still All You Need: GPT-4 & k-NN');
    // The two papers are embedded in the background.
    for (let waited = 0; !/"event":"embed\.progress".*"embedded":2/.test(server.stderr()) && waited < 60_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    assert.match(server.stderr(), /"event":"embed\.progress".*"embedded":2,"remaining":0/);
    // Ready for all traffic once the model is loaded and the request paths warmed up (GET /readyz).
    for (let waited = 0; (await fetch(`${url}/readyz`)).status !== 200 && waited < 60_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' });
    assert.match(server.stderr(), /paperboy ready after [\d.]+ s: index read ahead, model loaded/);
    assert.match(server.stderr(), /"event":"serve\.warmed_up","requests":\d+/);
    assert.equal(await server.stop(), 0);
    assert.match(server.stderr(), /"event":"http\.request".*"requestId":/);
    // The warm-up's requests are not logged as requests (nor rate limited): no search before ours.
    assert.doesNotMatch(server.stderr(), /"event":"http\.request"[^\n]*"path":"\/search"/);
    assert.match(server.stderr(), /SIGTERM: shutting down/);
  });

  it('serve --workers 2 serves, and the primary and every worker exit on SIGTERM', async () => {
    const data = tempDir();
    await runPaperboy(['--data', data, 'import', fixture('atom.xml')]);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), '--data', data, 'serve', '--port', '0', '--workers', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'], env: await storeEnv(data, { ...process.env, PAPERBOY_DIGEST_SCHEDULE: 'off', PAPERBOY_LOG_LEVEL: 'warn' }),
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+) \(2 workers\)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
    });
    // A worker that shares the port before its app is composed holds requests until it is (compose.test.ts);
    // /healthz may still answer 503 while the database check settles: wait (bounded) until both answer.
    for (let ok = 0, tries = 0; ok < 8; tries++) {
      assert.ok(tries < 400, 'the workers never both answered /healthz');
      const status = (await fetch(`${url}/healthz`)).status;
      assert.ok(status === 200 || status === 503, `healthz ${status}`);
      ok = status === 200 ? ok + 1 : 0;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    // GET /readyz: 503 naming what it waits for until every worker is ready, then 200 from either.
    for (let tries = 0; ; tries++) {
      assert.ok(tries < 1200, `the workers never both reported ready: ${stderr}`);
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
      assert.equal(res.status, 503);
      const body = await res.text();
      if (body !== 'starting') {
        const waiting = (JSON.parse(body) as { waiting: string[] }).waiting;
        assert.ok(waiting.length > 0 && waiting.every((w) => ['start-up', 'index', 'model', 'warm-up', 'workers'].includes(w)), body);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.match(stderr, /paperboy ready after [\d.]+ s: .* \(2 workers\)/);
    // The workers are threads of this one process (they share the index in memory): no child process.
    const children = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
    assert.equal(children, '', 'serve --workers 2 forks no process');
    // Concurrent requests, handed to the worker with the fewest in flight, are all answered.
    const searches = await Promise.all(Array.from({ length: 8 }, () => fetch(`${url}/api/search?q=transformer&mode=lexical`)));
    for (const res of searches) assert.equal(res.status, 200);
    // Through the hand-over: cookies both ways, a form body; a body past the main thread's bound is refused there.
    const session = await fetch(`${url}/api/session`);
    const cookie = session.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    assert.ok(cookie.length > 0, 'the session answer sets its cookie');
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const signIn = await fetch(`${url}/signin`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrfToken, email: 'reader@example.org' }).toString() });
    assert.equal(signIn.status, 200);
    assert.match(await signIn.text(), /Check your inbox/);
    const huge = await fetch(`${url}/signin`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'x'.repeat(9 << 20) });
    assert.equal(huge.status, 413);
    const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => { spawnSync('pkill', ['-KILL', '-P', String(child.pid)]); child.kill('SIGKILL'); }, 20_000);
    const code = await exit;
    clearTimeout(timer);
    assert.equal(code, 0, `every process exits within 20 s of SIGTERM (${stderr})`);
    assert.doesNotMatch(stderr, /starting another/);
    assert.match(stderr, /SIGTERM: shutting down 2 workers/);
  });
});
