import { randomUUID } from 'node:crypto';
import type { Logger } from '../../ports/logger.ts';
import { assertHeaderSafe, type Mailer } from '../../ports/mailer.ts';

/**
 * For a laptop with no SMTP server configured: mails are written to the log (event `mail.logged`,
 * with the text part, so a sign-in link can be copied from the terminal). Never the choice when
 * SMTP is configured.
 */
export function createLogMailer(logger: Logger, from = 'paperboy@localhost'): Mailer {
  return {
    from,
    async send(mail) {
      assertHeaderSafe('To', mail.to);
      assertHeaderSafe('Subject', mail.subject);
      const messageId = mail.messageId ?? `<${randomUUID()}@paperboy.local>`;
      logger.warn('mail.logged', { to: mail.to, subject: mail.subject, text: mail.text, messageId, note: 'no SMTP server configured (PAPERBOY_SMTP_HOST); mail written to the log' });
      return { status: 'sent', messageId, response: 'logged' };
    },
    async close() {},
  };
}
