import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { assertHeaderSafe, type Mailer, type OutgoingMail, type SendResult } from '../../ports/mailer.ts';

export interface SmtpOptions {
  host: string;
  port: number;
  /** true: TLS from the first byte (port 465); false: STARTTLS when offered (or required). */
  secure: boolean;
  requireTls?: boolean;
  /** false accepts self-signed certificates (a local relay); keep true on the internet. */
  rejectUnauthorized?: boolean;
  user?: string;
  pass?: string;
  from: string;
  /** Pooled connections kept open to the server. */
  maxConnections?: number;
  timeoutMs?: number;
}

/** SMTP through nodemailer with pooled connections; SMTP replies become `SendResult`s. */
export function createSmtpMailer(options: SmtpOptions): Mailer {
  const transportOptions: SMTPTransport.Options & { pool: true; maxConnections: number } = {
    pool: true,
    maxConnections: options.maxConnections ?? 3,
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTls ?? false,
    tls: { rejectUnauthorized: options.rejectUnauthorized ?? true },
    connectionTimeout: options.timeoutMs ?? 30_000,
    greetingTimeout: options.timeoutMs ?? 30_000,
    socketTimeout: options.timeoutMs ?? 60_000,
    ...(options.user ? { auth: { user: options.user, pass: options.pass ?? '' } } : {}),
  };
  const transport = createTransport(transportOptions);
  return {
    from: options.from,
    async send(mail: OutgoingMail): Promise<SendResult> {
      assertHeaderSafe('To', mail.to);
      assertHeaderSafe('Subject', mail.subject);
      for (const [name, value] of Object.entries(mail.headers ?? {})) assertHeaderSafe(name, value);
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          ...(mail.headers ? { headers: mail.headers } : {}),
          ...(mail.messageId ? { messageId: mail.messageId } : {}),
        });
        if (info.rejected.length > 0) return { status: 'permanent', code: null, message: `recipient rejected: ${info.response}` };
        return { status: 'sent', messageId: info.messageId, response: info.response };
      } catch (error) {
        const e = error as Error & { responseCode?: number; code?: string };
        const code = typeof e.responseCode === 'number' ? e.responseCode : null;
        return { status: code !== null && code >= 500 ? 'permanent' : 'temporary', code, message: e.message };
      }
    },
    async close() {
      transport.close();
    },
  };
}
