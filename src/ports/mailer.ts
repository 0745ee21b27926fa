/** Outgoing email: sign-in links and digests go through one Mailer. */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers (List-Unsubscribe, ...). Values must not contain line breaks. */
  headers?: Record<string, string>;
  /** Message-ID to use (angle brackets included); one is generated when absent. */
  messageId?: string;
}

/**
 * What happened to one mail. `temporary`: the server said try later (4xx, connection trouble);
 * `permanent`: the server refused the recipient or message (5xx).
 */
export type SendResult =
  | { status: 'sent'; messageId: string; response: string }
  | { status: 'temporary' | 'permanent'; code: number | null; message: string };

export interface Mailer {
  /** The From address mails go out with. */
  readonly from: string;
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
}

/** Refuses header values that could inject headers (CR, LF or other control characters). */
export function assertHeaderSafe(name: string, value: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`mail header ${name} contains a control character`);
}
