/** The mailer the configuration names (SMTP, or the log without an SMTP host) and the queue of mail that requests trigger. */
import { createLogMailer } from '../adapters/mail/log-mailer.ts';
import { createMailQueue, type MailQueueOptions } from '../app/mail-queue.ts';
import type { Config } from '../config/load-config.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { MailLog } from '../ports/mail-log.ts';
import type { Mailer } from '../ports/mailer.ts';

export async function createMailer(config: Config, logger: Logger): Promise<Mailer> {
  const smtp = config.smtp;
  if (!smtp.host) return createLogMailer(logger, smtp.from);
  // nodemailer loads only where mail goes out by SMTP.
  const { createSmtpMailer } = await import('../adapters/mail/smtp-mailer.ts');
  return createSmtpMailer({
    host: smtp.host, port: smtp.port, secure: smtp.secure, requireTls: smtp.requireTls, rejectUnauthorized: smtp.rejectUnauthorized,
    from: smtp.from, maxConnections: smtp.maxConnections, ...(smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : {}),
  });
}

/** Mail that requests trigger goes out after the answer, through one queue with caps kept in the store. */
export function createConfiguredMailQueue(config: Config, deps: { mailer: Mailer; log: MailLog; clock: Clock; logger: Logger }, tuning: Partial<MailQueueOptions> = {}) {
  return createMailQueue(deps, { capacity: config.mail.queueSize, concurrency: 2, perAddressPerHour: config.mail.perAddressPerHour, perHour: config.mail.perHour, ...tuning });
}
