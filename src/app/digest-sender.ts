import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { Digest, SubscriptionStore } from '../ports/subscription-store.ts';

export interface SenderOptions {
  /** Mails handed to SMTP per minute at most. */
  ratePerMinute: number;
  batchSize: number;
  /** Permanent failures (5xx) before an address is marked undeliverable. */
  maxPermanentFailures: number;
  /** Temporary failures (4xx) of one digest before it is given up. */
  maxAttempts: number;
  /**
   * How long a claim stays with its sender run without being renewed. The run renews every
   * `leaseMs / 3` while it sends; a run that dies stops renewing, and its digests are taken over by
   * the next run after at most `leaseMs`.
   */
  leaseMs: number;
}

export interface SendSummary {
  sent: number;
  retried: number;
  failed: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Calls `renew` every `everyMs` until stopped; a failing renewal is logged, the next one tries again. */
function startHeartbeat(renew: () => Promise<void>, everyMs: number, logger: Logger) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = () => {
    timer = setTimeout(async () => {
      try {
        await renew();
      } catch (error) {
        logger.warn('digest.lease_renew_failed', { message: (error as Error).message });
      }
      if (!stopped) tick();
    }, everyMs);
    timer.unref?.();
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * One sender run over the outbox: claims batches under a fresh claim id (its owner), keeps the
 * lease alive with a heartbeat while it sends, sends paced to `ratePerMinute`, and records each
 * outcome as the owner. A digest whose lease it lost (another run took it over) is neither sent nor
 * marked; a marking refused because ownership moved is logged (`digest.not_owner`).
 */
export async function sendOutbox(
  deps: { subscriptions: SubscriptionStore; mailer: Mailer; clock: Clock; logger: Logger },
  options: SenderOptions,
  opts: { maxBatches?: number } = {},
): Promise<SendSummary> {
  const owner = randomBytes(12).toString('base64url');
  const store = deps.subscriptions;
  const out: SendSummary = { sent: 0, retried: 0, failed: 0 };
  const interval = 60_000 / options.ratePerMinute;
  const leaseUntil = () => iso(deps.clock.now() + options.leaseMs);
  let lastSend = 0;
  const stopHeartbeat = startHeartbeat(async () => void (await store.renewLeases(owner, leaseUntil())), Math.max(10, Math.floor(options.leaseMs / 3)), deps.logger);

  const notOwner = (digest: Digest, outcome: string) => deps.logger.warn('digest.not_owner', { digestId: digest.id, owner, outcome });

  async function deliver(digest: Digest): Promise<void> {
    const wait = lastSend + interval - deps.clock.now();
    if (wait > 0) await deps.clock.sleep(wait);
    // Still ours? (A paused process may have lost its lease; the new owner sends it.)
    if (!(await store.holdsLease(digest.id, owner, iso(deps.clock.now())))) {
      deps.logger.warn('digest.lease_lost', { digestId: digest.id, owner });
      return;
    }
    lastSend = deps.clock.now();
    const result = await deps.mailer.send({ to: digest.email, subject: digest.subject, text: digest.text, html: digest.html, headers: digest.headers, messageId: digest.messageId });
    if (result.status === 'sent') {
      if (await store.markSent(digest.id, owner, digest.messageId, iso(deps.clock.now()))) out.sent++;
      else notOwner(digest, 'sent');
    } else if (result.status === 'temporary' && digest.attempts < options.maxAttempts) {
      const backoff = Math.min(6 * 3_600_000, 60_000 * 2 ** (digest.attempts - 1));
      if (await store.markRetry(digest.id, owner, result.message, iso(deps.clock.now() + backoff))) {
        deps.logger.warn('digest.retry', { digestId: digest.id, code: result.code, message: result.message, inMs: backoff });
        out.retried++;
      } else notOwner(digest, 'retry');
    } else if (await store.markFailed(digest.id, owner, result.message, options.maxPermanentFailures)) {
      deps.logger.warn('digest.failed', { digestId: digest.id, code: result.code, message: result.message });
      out.failed++;
    } else notOwner(digest, 'failed');
  }

  try {
    for (let batch = 0; batch < (opts.maxBatches ?? Infinity); batch++) {
      const claimed = await store.claimDigests({ owner, limit: options.batchSize, now: iso(deps.clock.now()), leaseUntil: leaseUntil() });
      if (claimed.length === 0) break;
      let next = 0;
      try {
        while (next < claimed.length) await deliver(claimed[next++]!);
      } finally {
        // Stopped early (an error): the claims not yet tried go back at once instead of waiting for
        // the lease. The one being sent when it failed stays claimed: it may have been accepted.
        if (next < claimed.length) await store.releaseClaims(owner, claimed.slice(next).map((d) => d.id));
      }
    }
  } finally {
    stopHeartbeat();
  }
  return out;
}
