import type { DigestOptions } from '../src/app/digests.ts';
import type { MailQueueOptions } from '../src/app/mail-queue.ts';
import type { TrendingServiceOptions } from '../src/app/trending.ts';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { RateLimits } from '../src/http/security.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { Mailer, OutgoingMail } from '../src/ports/mailer.ts';
import type { PaperStore } from '../src/ports/paper-store.ts';
import { closeAtExit, fixedClock, importer, ROOT, tempDir } from './helpers.ts';
import { databaseUrlFor, onPostgres, storeQuery } from './test-store.ts';

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

export const TEST_SECRET = 'test-secret-test-secret-test-secret!';

/**
 * The whole HTTP app over a fresh data directory (a SQLite file, or a PostgreSQL database with
 * PAPERBOY_TEST_STORE=postgres: test/test-store.ts), with papers imported from fixtures.
 * `awaitMail` (default true): `app.request` resolves once the mail the request queued has been
 * handed to the mailer, so route tests can read it at once. The answer itself never waits for mail;
 * tests of that pass false.
 */
export async function testApp(options: { fixtures?: string[]; now?: string; rateLimits?: RateLimits; trustedProxies?: string; embedder?: Embedder | null; mailer?: Mailer; digest?: Partial<DigestOptions>; mailQueue?: Partial<MailQueueOptions>; readerSignals?: boolean; trending?: TrendingServiceOptions; awaitMail?: boolean } = {}) {
  const clock = fixedClock(options.now ?? '2024-01-10T12:00:00Z');
  const mailer = options.mailer ?? memoryMailer();
  // The services compose as `serve` composes them (src/compose/), on a fresh data directory, with
  // the clock, mailer and model given here, the index in memory and (unless asked for) no reader counting.
  const dataDir = tempDir();
  const databaseUrl = onPostgres ? await databaseUrlFor(dataDir) : undefined;
  const config = loadConfig({
    env: {},
    installDir: ROOT,
    overrides: {
      dataDir, ...(databaseUrl ? { databaseUrl } : {}), baseUrl: BASE_URL, secret: TEST_SECRET, readerSignals: options.readerSignals ?? false, digest: { ratePerMinute: 60_000 },
      ...(options.trustedProxies !== undefined ? { trustedProxies: options.trustedProxies } : {}),
    },
  });
  const services = await composeServices(config, {
    clock, logger: silentLogger, mailer, embedder: options.embedder ?? null, index: 'memory', version: '0.0.0-test',
    tuning: {
      ...(options.rateLimits !== undefined ? { rateLimits: options.rateLimits } : {}),
      ...(options.digest ? { digest: options.digest } : {}),
      ...(options.mailQueue ? { mailQueue: options.mailQueue } : {}),
      ...(options.trending ? { trending: options.trending } : {}),
    },
  });
  closeAtExit(services.close);
  const store: PaperStore = services.stores.papers;
  const importFiles = importer(store, clock);
  if (options.fixtures?.length) await importFiles(options.fixtures);
  const { app, mail: mailQueue, accounts, catalog, digests } = await services.web(BASE_URL, mailer);
  if (options.awaitMail !== false) {
    const answer = app.request.bind(app);
    app.request = (async (...args: Parameters<typeof app.request>) => {
      const res = await answer(...args);
      await mailQueue.idle();
      return res;
    }) as typeof app.request;
  }
  const { accounts: accountStore, subscriptions } = services.stores;
  return { app, store, sql: storeQuery(services.stores), clock, mailer, mailQueue, accounts, catalog, importFiles, searchService: services.search.searchService, accountStore, digests, subscriptions, services };
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
