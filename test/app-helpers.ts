import { createSqliteAccountStore } from '../src/adapters/sqlite/account-store.ts';
import { createSqliteMailLog } from '../src/adapters/sqlite/mail-log.ts';
import { createAccountService } from '../src/app/accounts.ts';
import { createMailQueue, MAIL_QUEUE_DEFAULTS, type MailQueueOptions } from '../src/app/mail-queue.ts';
import { createCatalog } from '../src/app/catalog.ts';
import { createDigestService, DIGEST_DEFAULTS, type DigestOptions } from '../src/app/digests.ts';
import { createSqliteSubscriptionStore } from '../src/adapters/sqlite/subscription-store.ts';
import { createSearchService, type SearchService } from '../src/app/search/search-service.ts';
import { parseTrustedProxies } from '../src/core/trusted-proxies.ts';
import { createApp } from '../src/http/create-app.ts';
import { RATE_LIMIT_DEFAULTS, type RateLimits } from '../src/http/security.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { Mailer, OutgoingMail } from '../src/ports/mailer.ts';
import { fixedClock, testStore } from './helpers.ts';

/** Keeps mails in memory (in-process route tests; the browser tests use a real SMTP server). */
export function memoryMailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return {
    from: 'paperboy@test',
    sent,
    async send(mail) {
      sent.push(mail);
      return { status: 'sent', messageId: `<${sent.length}@test>`, response: '250 ok' };
    },
    async close() {},
  };
}

export const BASE_URL = 'http://paperboy.test';

/** The whole HTTP app over a fresh SQLite file, with papers imported from fixtures. */
export const TEST_SECRET = 'test-secret-test-secret-test-secret!';

/**
 * `awaitMail` (default true): `app.request` resolves once the mail the request queued has been
 * handed to the mailer, so route tests can read it at once. The answer itself never waits for mail;
 * tests of that pass false.
 */
export async function testApp(options: { fixtures?: string[]; now?: string; rateLimits?: RateLimits; trustedProxies?: string; embedder?: Embedder | null; mailer?: Mailer; digest?: Partial<DigestOptions>; mailQueue?: Partial<MailQueueOptions>; awaitMail?: boolean } = {}) {
  const clock = fixedClock(options.now ?? '2024-01-10T12:00:00Z');
  const { store, importFiles } = testStore(undefined, clock);
  if (options.fixtures?.length) await importFiles(options.fixtures);
  const mailer = options.mailer ?? memoryMailer();
  const accountStore = createSqliteAccountStore(store.db);
  const mailQueue = createMailQueue({ mailer, log: createSqliteMailLog(store.db), clock, logger: silentLogger }, { ...MAIL_QUEUE_DEFAULTS, ...options.mailQueue });
  const accounts = createAccountService({ accounts: accountStore, mail: mailQueue, clock, logger: silentLogger, baseUrl: BASE_URL });
  let search: Promise<SearchService> | undefined;
  const searchService = () => (search ??= (async () => {
    const service = createSearchService({ store, embedder: options.embedder ?? null, logger: silentLogger }, { now: () => clock.now() });
    await service.refresh();
    return service;
  })());
  const catalog = createCatalog({ store, accounts: accountStore, search: searchService, clock });
  const subscriptions = createSqliteSubscriptionStore(store.db);
  const digests = createDigestService(
    { subscriptions, catalog, mailer, mail: mailQueue, clock, logger: silentLogger, secret: TEST_SECRET, baseUrl: BASE_URL },
    { ...DIGEST_DEFAULTS, unsubscribeMailto: 'unsubscribe@paperboy.test', ratePerMinute: 60_000, ...options.digest },
  );
  const app = createApp({
    store, catalog, accounts, digests, clock, logger: silentLogger, version: '0.0.0-test',
    options: { baseUrl: BASE_URL, secret: TEST_SECRET, trustProxy: parseTrustedProxies(options.trustedProxies ?? ''), rateLimits: options.rateLimits === undefined ? RATE_LIMIT_DEFAULTS : options.rateLimits, maxBodyBytes: 64 * 1024 },
  });
  if (options.awaitMail !== false) {
    const answer = app.request.bind(app);
    app.request = (async (...args: Parameters<typeof app.request>) => {
      const res = await answer(...args);
      await mailQueue.idle();
      return res;
    }) as typeof app.request;
  }
  return { app, store, clock, mailer, mailQueue, accounts, catalog, importFiles, searchService, accountStore, digests, subscriptions };
}

/** A browser-like client for in-process requests: keeps cookies, sends the CSRF token. */
export function client(app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }) {
  const cookies = new Map<string, string>();
  let csrf = '';
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await app.request(`${BASE_URL}${path}`, { ...init, headers, redirect: 'manual' });
    remember(res);
    return res;
  };
  return {
    cookies,
    request,
    get csrf() {
      return csrf;
    },
    /** Loads the CSRF token the way a script does (GET /api/session). */
    async session() {
      const body = (await (await request('/api/session')).json()) as { csrfToken: string; user: { email: string } | null };
      csrf = body.csrfToken;
      return body;
    },
    form(path: string, fields: Record<string, string>) {
      return request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...fields }).toString() });
    },
    api(method: string, path: string, body?: unknown) {
      return request(path, { method, headers: { 'x-csrf-token': csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    },
  };
}

/** Signs a client in through the emailed link, as a reader would. */
export async function signIn(c: ReturnType<typeof client>, mailer: { sent: OutgoingMail[] }, email: string) {
  await c.session();
  const before = mailer.sent.length;
  const res = await c.form('/signin', { email, next: '/' });
  if (res.status !== 200) throw new Error(`sign-in request answered ${res.status}`);
  const mail = mailer.sent[before];
  if (!mail) throw new Error('no sign-in mail was sent');
  const token = /token=([\w-]+)/.exec(mail.text)![1]!;
  const verify = await c.form('/auth/verify', { token });
  if (verify.status !== 303) throw new Error(`verify answered ${verify.status}: ${await verify.text()}`);
  await c.session();
  return token;
}
