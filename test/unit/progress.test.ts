import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgressReporter } from '../../src/cli/progress.ts';

function sink(isTTY: boolean) {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += chunk; done(); } }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

describe('progress reporting', () => {
  it('draws a bar with rate and ETA on a TTY', () => {
    const out = sink(true);
    let now = 0;
    const progress = createProgressReporter({ stream: out.stream as unknown as NodeJS.WritableStream, now: () => now });
    now = 1000;
    progress.update({ label: 'import x', records: 5000, bytesRead: 25, totalBytes: 100 });
    now = 2000;
    progress.update({ label: 'import x', records: 10_000, bytesRead: 50, totalBytes: 100 });
    progress.stop();
    assert.match(out.text(), /import x \[[█░]+\] 50% \| 10,000 records \| 5,000\/s \| ETA 2s/);
  });

  it('writes plain lines at most once per interval otherwise', () => {
    const out = sink(false);
    let now = 0;
    const progress = createProgressReporter({ stream: out.stream as unknown as NodeJS.WritableStream, intervalMs: 5000, now: () => now });
    for (let t = 1000; t <= 12_000; t += 1000) {
      now = t;
      progress.update({ label: 'import y', records: t, bytesRead: t, totalBytes: 20_000 });
    }
    assert.deepEqual(out.text().trim().split('\n'), [
      'import y: 25% 5,000 records, 1,000 records/s, ETA 15s',
      'import y: 50% 10,000 records, 1,000 records/s, ETA 10s',
    ]);
  });

  it('rounds the ETA to whole seconds before splitting minutes (7m00s, never 6m60s)', () => {
    const out = sink(false);
    let now = 0;
    const progress = createProgressReporter({ stream: out.stream as unknown as NodeJS.WritableStream, intervalMs: 1000, now: () => now });
    now = 5000;
    progress.update({ label: 'embed', records: 50, bytesRead: 50, totalBytes: 4245 });
    assert.match(out.text(), /ETA 7m00s/);
  });
});
