/**
 * Who runs the schedules, chosen with the store (docs/deployment.md): on PostgreSQL, several
 * instances share the database and the one holding the advisory lock schedules, a standby taking
 * over when it dies; on SQLite, one `serve` owns the file and its worker 0 schedules (worker-role.ts).
 */
import { createPostgresSchedulerLock } from '../adapters/postgres/scheduler-lock.ts';
import type { Config } from '../config/load-config.ts';
import type { Logger } from '../ports/logger.ts';
import { fixedSchedulerLock, type SchedulerLock } from '../ports/scheduler-lock.ts';
import type { WorkerRole } from './worker-role.ts';

export function openSchedulerLock(config: Config, role: WorkerRole, logger: Logger, options: { retryMs?: number } = {}): SchedulerLock {
  return config.databaseUrl ? createPostgresSchedulerLock(config.databaseUrl, { logger, ...options }) : fixedSchedulerLock(role.leader);
}
