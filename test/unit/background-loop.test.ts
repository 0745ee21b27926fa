import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBackgroundLoop } from '../../src/jobs/background-loop.ts';
import { silentLogger, type Logger } from '../../src/ports/logger.ts';

describe('the background loop', () => {
  it('runs rounds back to back while there is more work, never two at once, then waits; stop waits for the round in flight', async () => {
    let running = 0;
    let maxRunning = 0;
    let rounds = 0;
    let work = 3;
    const loop = startBackgroundLoop('test', async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      rounds++;
      await new Promise((r) => setTimeout(r, 5));
      running--;
      work = Math.max(0, work - 1);
      return { more: work > 0 };
    }, { logger: silentLogger, intervalMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rounds, 3, 'three rounds at once, then idle for the interval');
    work = 1;
    loop.nudge();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rounds, 4, 'a nudge starts a round');
    await loop.stop();
    assert.equal(maxRunning, 1);
    assert.equal(running, 0);
  });

  it('logs a failing round and keeps going', async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (event) => errors.push(event) };
    let calls = 0;
    const loop = startBackgroundLoop('embed', async () => {
      calls++;
      if (calls === 1) throw new Error('model crashed');
      return { more: false };
    }, { logger, intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 60));
    await loop.stop();
    assert.deepEqual(errors.slice(0, 1), ['embed.failed']);
    assert.ok(calls >= 2);
  });
});
