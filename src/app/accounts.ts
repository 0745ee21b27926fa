import { createHash, randomBytes } from 'node:crypto';
import type { AccountStore, User } from '../ports/account-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { MailQueue } from './mail-queue.ts';

export interface AccountDeps {
  accounts: AccountStore;
  /** Sign-in mails go out through the queue, after the answer (caps per address and per hour there). */
  mail: Pick<MailQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  /** Public URL of the service, for the links in mails (no trailing slash). */
  baseUrl: string;
}

export interface AccountOptions {
  linkTtlMinutes: number;
  sessionDays: number;
}

export const ACCOUNT_DEFAULTS: AccountOptions = { linkTtlMinutes: 20, sessionDays: 30 };

export interface SignedIn {
  /** Cookie value; only its hash is stored. */
  sessionToken: string;
  user: User;
  nextPath: string;
  expiresAt: string;
}

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const newToken = (): string => randomBytes(32).toString('base64url');

/** Only local paths are followed after sign-in (no open redirect). */
export function safeNextPath(value: string | undefined): string {
  return value && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}

/**
 * Passwordless accounts: a single-use link, valid for a few minutes, is emailed; following it opens
 * a session. Tokens are random 256-bit values stored only as SHA-256 hashes.
 */
export function createAccountService(deps: AccountDeps, options: AccountOptions = ACCOUNT_DEFAULTS) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    /**
     * Queues a sign-in link for `email` and returns at once: the link is stored and mailed in the
     * background, so the answer takes the same path (and time) whether the address is known, new
     * or over its cap (the mail queue enforces the caps per address and per hour).
     */
    requestSignIn(email: string, nextPath?: string): void {
      const address = email.trim().toLowerCase();
      const next = safeNextPath(nextPath);
      deps.mail.enqueue({
        kind: 'sign-in',
        to: address,
        compose: async () => {
          const now = deps.clock.now();
          const token = newToken();
          await deps.accounts.saveSignInLink({
            tokenHash: sha256(token), email: address, nextPath: next,
            createdAt: iso(now), expiresAt: iso(now + options.linkTtlMinutes * 60_000),
          });
          const link = `${deps.baseUrl}/auth/verify?token=${token}`;
          return {
            to: address,
            subject: 'Your Paperboy sign-in link',
            text: `Follow this link to sign in to Paperboy:\n\n${link}\n\nIt works once and expires in ${options.linkTtlMinutes} minutes. If you did not ask to sign in, ignore this mail.\n`,
            html: `<p>Follow this link to sign in to Paperboy:</p><p><a href="${link}">Sign in to Paperboy</a></p><p>It works once and expires in ${options.linkTtlMinutes} minutes. If you did not ask to sign in, ignore this mail.</p>`,
          };
        },
      });
    },

    /** Uses up a sign-in token and opens a session; null when the token is unknown, used or expired. */
    async completeSignIn(token: string): Promise<SignedIn | null> {
      const now = deps.clock.now();
      const link = await deps.accounts.consumeSignInLink(sha256(token), iso(now));
      if (!link) return null;
      const user = await deps.accounts.findOrCreateUser(link.email, iso(now));
      const sessionToken = newToken();
      const expiresAt = iso(now + options.sessionDays * 86_400_000);
      await deps.accounts.createSession({ tokenHash: sha256(sessionToken), userId: user.id, createdAt: iso(now), expiresAt });
      deps.logger.info('account.signed_in', { userId: user.id });
      return { sessionToken, user, nextPath: link.nextPath, expiresAt };
    },

    async userForSession(sessionToken: string): Promise<User | null> {
      return (await deps.accounts.findSession(sha256(sessionToken), iso(deps.clock.now())))?.user ?? null;
    },

    async signOut(sessionToken: string): Promise<void> {
      await deps.accounts.deleteSession(sha256(sessionToken));
    },

    /** Ends every session of the user, on every device. */
    async signOutEverywhere(userId: number): Promise<number> {
      return deps.accounts.deleteUserSessions(userId);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
