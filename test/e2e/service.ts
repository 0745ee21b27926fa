import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { OFFLINE_SIGNALS, ROOT, runPaperboy, tempDir } from '../helpers.ts';
import { startSmtpServer } from '../smtp-server.ts';
import { storeEnv } from '../test-store.ts';

/** Debian's chromium (CI installs it); PAPERBOY_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.PAPERBOY_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');

/**
 * `paperboy serve` on a free port over a fresh data directory holding `fixtures`, mailing through
 * a local SMTP server, and a headless Chromium; `stop()` ends all three. `prepared`: serve this
 * data directory instead (already filled, e.g. with embeddings), with these extra environment variables.
 */
export async function startService(fixtures: string[], prepared?: { dir: string; env: Record<string, string> }) {
  assert.ok(existsSync(CHROMIUM), `headless browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (or set PAPERBOY_CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });
  const smtp = await startSmtpServer();
  const data = prepared?.dir ?? tempDir();
  if (fixtures.length > 0) {
    const imported = await runPaperboy(['import', ...fixtures, '--data', data]);
    assert.equal(imported.code, 0, imported.stderr);
  }
  const server: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), 'serve', '--port', '0', '--data', data], {
    env: await storeEnv(data, {
      ...OFFLINE_SIGNALS, ...process.env, PAPERBOY_DATA: '', PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_MODEL_DIR: join(data, 'no-model'),
      PAPERBOY_SMTP_HOST: '127.0.0.1', PAPERBOY_SMTP_PORT: String(smtp.port), PAPERBOY_MAIL_FROM: 'Paperboy <paperboy@example.org>',
      ...prepared?.env,
    }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let log = '';
    server.stderr!.on('data', (d: Buffer) => {
      log += d;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`paperboy serve exited (${code}): ${log}`)));
  });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  return {
    smtp, baseUrl, browser,
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
      await smtp.close();
    },
  };
}
