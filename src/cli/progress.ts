import cliProgress from 'cli-progress';

export interface ProgressSnapshot {
  label: string;
  /** Records processed so far. */
  records: number;
  bytesRead: number;
  totalBytes: number;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force the plain mode (periodic lines) even on a TTY. */
  plain?: boolean;
  /** Plain mode: one line at most this often. */
  intervalMs?: number;
  now?: () => number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  // Whole seconds first, so that 419.5 s reads 7m00s, not 6m60s.
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/**
 * A progress bar with rate and ETA on a TTY (cli-progress), and plain periodic lines otherwise, so
 * that logs of a cron job stay readable. Progress is measured in bytes of the input file.
 */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? (() => Date.now());
  const started = now();
  const rate = (records: number) => records / Math.max(0.001, (now() - started) / 1000);
  const etaOf = (s: ProgressSnapshot) => {
    const fraction = s.totalBytes > 0 ? s.bytesRead / s.totalBytes : 0;
    const elapsed = (now() - started) / 1000;
    return fraction > 0 ? (elapsed / fraction) * (1 - fraction) : NaN;
  };

  if (options.stream.isTTY && !options.plain) {
    const bar = new cliProgress.SingleBar(
      {
        stream: options.stream,
        format: '{label} [{bar}] {percentage}% | {records} records | {rate}/s | ETA {etaText}',
        hideCursor: true,
        clearOnComplete: false,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const payload = { label: s.label, records: fmt(s.records), rate: fmt(rate(s.records)), etaText: eta(etaOf(s)) };
        if (!started) {
          bar.start(Math.max(1, s.totalBytes), s.bytesRead, payload);
          started = true;
        } else bar.update(s.bytesRead, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }

  const interval = options.intervalMs ?? 5000;
  let last = started;
  return {
    update(s) {
      if (now() - last < interval) return;
      last = now();
      const percent = s.totalBytes > 0 ? Math.min(100, Math.floor((s.bytesRead / s.totalBytes) * 100)) : 0;
      options.stream.write(`${s.label}: ${percent}% ${fmt(s.records)} records, ${fmt(rate(s.records))} records/s, ETA ${eta(etaOf(s))}\n`);
    },
    stop() {},
  };
}
