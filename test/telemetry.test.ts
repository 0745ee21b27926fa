import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, fixture, runPaperboy, tempDir } from './helpers.ts';
import { MODEL_DIR } from './search/model-dir.ts';

const telemetryDir = (home: string) => join(home, '.cache', 'Microsoft');

/** The environment of a fresh machine: a new HOME, and no telemetry setting of the operator's. */
function freshEnv(home: string): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: home, PAPERBOY_MODEL_DIR: MODEL_DIR };
  delete env.ORT_DISABLE_TELEMETRY;
  return env;
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('ONNX Runtime telemetry', () => {
  it('is off when the embedder module loads the runtime, whatever imported it first', async () => {
    const home = tempDir();
    const script = `
      const { loadOnnxEmbedder } = await import('./src/adapters/embedding/onnx-embedder.ts');
      const embedder = await loadOnnxEmbedder(${JSON.stringify(MODEL_DIR)});
      await embedder.embedDocuments(['graph neural networks for molecules']);
      console.log('ORT_DISABLE_TELEMETRY=' + process.env.ORT_DISABLE_TELEMETRY);`;
    const result = await run(['--import', 'tsx', '--input-type=module', '-e', script], freshEnv(home));
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /ORT_DISABLE_TELEMETRY=1/);
    assert.equal(existsSync(telemetryDir(home)), false, 'no telemetry database under the fresh HOME');
  });

  it('creates no telemetry database in a fresh HOME through `paperboy embed` and a hybrid `paperboy search`', async () => {
    const home = tempDir();
    const data = tempDir();
    const env = freshEnv(home);
    assert.equal((await runPaperboy(['--data', data, 'import', fixture('atom.xml')], { env })).code, 0);
    const embed = await runPaperboy(['--data', data, 'embed'], { env });
    assert.equal(embed.code, 0, embed.stderr);
    const search = await runPaperboy(['--data', data, 'search', 'attention', '--mode', 'hybrid'], { env });
    assert.equal(search.code, 0, search.stderr);
    assert.equal(existsSync(telemetryDir(home)), false);
  });

  it('stays on when the operator asks for it (ORT_DISABLE_TELEMETRY=0 is left alone)', async () => {
    const script = `await import('./src/adapters/embedding/ort-telemetry.ts'); console.log('value=' + process.env.ORT_DISABLE_TELEMETRY);`;
    const env = { ...freshEnv(tempDir()), ORT_DISABLE_TELEMETRY: '0' };
    const result = await run(['--import', 'tsx', '--input-type=module', '-e', script], env);
    assert.match(result.out, /value=0/);
  });
});
