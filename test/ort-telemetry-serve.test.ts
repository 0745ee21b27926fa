import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, runPaperboy, startServe, tempDir } from './helpers.ts';
import { MODEL_DIR } from './search/model-dir.ts';

/** A fresh machine: a new HOME, and no telemetry setting of the operator's. */
function freshEnv(home: string): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: home, PAPERBOY_DATA: '', PAPERBOY_MODEL_DIR: MODEL_DIR, PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_STARTER: 'off' };
  delete env.ORT_DISABLE_TELEMETRY;
  return env;
}

describe('ONNX Runtime telemetry in the service', () => {
  it('creates no telemetry database in a fresh HOME through `paperboy embed` and a `serve` that embeds in the background and answers hybrid searches', async () => {
    const home = tempDir();
    const data = tempDir();
    const env = freshEnv(home);
    assert.equal((await runPaperboy(['--data', data, 'import', fixture('atom.xml')], { env })).code, 0);
    // `embed` runs the bulk threads on part of the papers; `serve` embeds the rest in its own threads.
    const embed = await runPaperboy(['--data', data, 'embed', '--limit', '1'], { env });
    assert.equal(embed.code, 0, embed.stderr);
    const serve = await startServe(['--data', data, 'serve', '--port', '0'], { env });
    try {
      let notices: string[] = ['(no answer yet)'];
      for (const deadline = Date.now() + 120_000; notices.length > 0 && Date.now() < deadline;) {
        const res = await fetch(`${serve.url}/api/search?q=attention&mode=hybrid`);
        const body = (await res.json()) as { mode: string; notices: string[] };
        assert.equal(res.status, 200);
        notices = body.mode === 'hybrid' ? body.notices : [`mode ${body.mode}`, ...body.notices];
        if (notices.length > 0) await new Promise((r) => setTimeout(r, 500));
      }
      assert.deepEqual(notices, [], 'every paper embedded by the service, and hybrid search answered with the model');
    } finally {
      assert.equal(await serve.stop(), 0, serve.stderr());
    }
    assert.equal(existsSync(join(home, '.cache', 'Microsoft')), false, 'no telemetry database under the fresh HOME');
  });
});
