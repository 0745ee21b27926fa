import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { MailCaps, MailLog, RequestedMailKind } from '../ports/mail-log.ts';
import type { Mailer, OutgoingMail } from '../ports/mailer.ts';

/**
 * One piece of mail work a request asked for. `compose` runs in the background, after the answer:
 * it does the bookkeeping (store a token hash, ...) and returns the mail, or null when the address
 * needs none (already subscribed, confirmation pending).
 */
export interface MailJob {
  kind: RequestedMailKind;
  to: string;
  compose: () => Promise<OutgoingMail | null>;
}

export interface MailQueueOptions extends MailCaps {
  /** Jobs waiting at most; beyond, new ones are dropped (and logged): memory stays bounded. */
  capacity: number;
  /** Jobs worked on at once (the SMTP mailer pools its connections). */
  concurrency: number;
}

export const MAIL_QUEUE_DEFAULTS: MailQueueOptions = { capacity: 1000, concurrency: 2, perAddressPerHour: 5, perHour: 200 };

/**
 * The mailbox a cap counts against: lower-cased, without a `+tag` in the local part, so that
 * victim+1@…, victim+2@… share one budget.
 */
export function mailboxOf(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  return `${lower.slice(0, at).replace(/\+.*$/, '')}${lower.slice(at)}`;
}

/**
 * An in-process queue for the mail that requests trigger (sign-in links, subscription
 * confirmations). `enqueue` only appends and returns, so every answer takes the same path whatever
 * the address; the work starts on a later turn of the event loop, after the response has gone.
 * Caps per mailbox and per hour are checked against the shared `MailLog` before a job runs.
 * Not durable: a crash loses the jobs still waiting (each is a link the reader can ask for again).
 */
export function createMailQueue(deps: { mailer: Mailer; log: MailLog; clock: Clock; logger: Logger }, options: MailQueueOptions = MAIL_QUEUE_DEFAULTS) {
  const waiting: MailJob[] = [];
  let running = 0;
  let closed = false;
  const idleWaiters: (() => void)[] = [];

  async function work(job: MailJob): Promise<void> {
    const mailbox = mailboxOf(job.to);
    const reserved = await deps.log.reserve({ kind: job.kind, mailbox, now: new Date(deps.clock.now()).toISOString(), caps: options });
    if ('limited' in reserved) {
      deps.logger.warn('mail.limited', { kind: job.kind, cap: reserved.limited === 'address' ? `${options.perAddressPerHour} per address per hour` : `${options.perHour} per hour` });
      return;
    }
    const mail = await job.compose();
    if (!mail) {
      await deps.log.release(reserved.id);
      return;
    }
    const result = await deps.mailer.send(mail);
    if (result.status !== 'sent') deps.logger.warn('mail.send_failed', { kind: job.kind, status: result.status, code: result.code, message: result.message });
  }

  function idle(): Promise<void> {
    if (running === 0 && waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  async function loop(): Promise<void> {
    for (let job = waiting.shift(); job; job = waiting.shift()) {
      try {
        await work(job);
      } catch (error) {
        deps.logger.error('mail.job_failed', { kind: job.kind, message: (error as Error).message });
      }
    }
    running--;
    if (running === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  return {
    /** Queues a job and returns at once; false when the queue is full or closed (the job is dropped). */
    enqueue(job: MailJob): boolean {
      if (closed || waiting.length >= options.capacity) {
        deps.logger.warn('mail.queue_full', { kind: job.kind, waiting: waiting.length, closed });
        return false;
      }
      waiting.push(job);
      if (running < options.concurrency) {
        running++;
        // After the answer: setImmediate runs once the current request's promise chain has settled.
        setImmediate(() => void loop());
      }
      return true;
    },
    /** Jobs waiting (not counting those being sent). */
    get size() {
      return waiting.length;
    },
    /** Resolves once every queued job has been worked on. */
    idle,
    /** Takes no more jobs and waits up to `timeoutMs` for the queued ones; the rest are dropped (logged). */
    async close(timeoutMs = 10_000): Promise<void> {
      closed = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        idle().then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        deps.logger.warn('mail.queue_dropped', { jobs: waiting.length });
        waiting.length = 0;
      }
      // Whoever waits for the queue to empty is told it is over, not left waiting forever.
      for (const wake of idleWaiters.splice(0)) wake();
    },
  };
}

export type MailQueue = ReturnType<typeof createMailQueue>;
