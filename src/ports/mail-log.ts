/** A log of the mails that requests asked for (sign-in links, confirmations), for their caps. */

export type RequestedMailKind = 'sign-in' | 'confirmation';

export interface MailCaps {
  /** Mails per mailbox (address without +tag) per hour, all kinds together. */
  perAddressPerHour: number;
  /** Mails per hour overall, all kinds together. */
  perHour: number;
}

export interface MailLog {
  /**
   * Records one mail to `mailbox` unless a cap is reached, atomically (several processes may share
   * the log): `{ id }` when recorded, `{ limited }` naming the cap otherwise.
   */
  reserve(input: { kind: RequestedMailKind; mailbox: string; now: string; caps: MailCaps }): Promise<{ id: number } | { limited: 'address' | 'hourly' }>;
  /** Takes back a reservation that produced no mail (the address needed none). */
  release(id: number): Promise<void>;
}
