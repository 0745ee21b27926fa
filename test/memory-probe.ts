import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ROOT } from './helpers.ts';

export interface MeasuredRun<T> {
  result: T;
  /** Peak resident memory of the child (VmHWM), in MB: main thread, worker threads and native memory. */
  peakMb: number;
}

/**
 * Runs `body` (ES module code; `src(path)` resolves a repository file for import()) in a fresh
 * Node process and returns what it passes to `done(value)`, with the process's peak RSS. The child's
 * heap is capped so that a regression fails fast instead of taking the machine's memory.
 */
export function runMeasured<T>(body: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<MeasuredRun<T>> {
  const code = `
    import { readFileSync } from 'node:fs';
    import { pathToFileURL } from 'node:url';
    const src = (path) => pathToFileURL(${JSON.stringify(ROOT)} + '/' + path).href;
    const done = (value) => {
      const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
      process.stdout.write('\\nRESULT ' + JSON.stringify({ result: value, peakMb: Math.round(hwm / 1024) }) + '\\n');
    };
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        reject(new Error(`the measured child ended (status ${status}, signal ${signal}) without a result:\n${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as MeasuredRun<T>);
    });
  });
}

/** Writes the parts to a gzip file as they are generated, so that a huge input never sits in memory. */
export async function writeGzip(file: string, parts: () => Iterable<Buffer | string>): Promise<void> {
  await pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(file));
}

/** `count` nested `<a>` elements followed by their closing tags, in big chunks. */
export function* nestingBomb(count: number): Generator<Buffer> {
  const step = 64 * 1024;
  const open = Buffer.from('<a>'.repeat(step));
  const close = Buffer.from('</a>'.repeat(step));
  for (let i = 0; i < count; i += step) yield i + step <= count ? open : Buffer.from('<a>'.repeat(count - i));
  for (let i = 0; i < count; i += step) yield i + step <= count ? close : Buffer.from('</a>'.repeat(count - i));
}
