import type { Logger } from '../ports/logger.ts';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One JSON object per line: {time, level, event, ...fields}. */
export function createJsonLogger(options: { level: LogLevel; write: (line: string) => void; now?: () => number }): Logger {
  const threshold = LEVELS[options.level];
  const now = options.now ?? Date.now;
  const log = (level: Exclude<LogLevel, 'silent'>) => (event: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < threshold) return;
    options.write(JSON.stringify({ time: new Date(now()).toISOString(), level, event, ...fields }) + '\n');
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
