import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { BucketRule } from '../core/rate-limit.ts';
import { forwardedClient, forwardedValue, rateLimitKey, type ForwardedClient, type TrustedProxies } from '../core/trusted-proxies.ts';
import type { AccountService } from '../app/accounts.ts';
import type { User } from '../ports/account-store.ts';
import { memoryRateLimitStore, type RateLimitStore } from '../ports/rate-limit-store.ts';
import { ApiError } from './errors.ts';
import { hasFormBody, readForm } from './validate.ts';

export const SESSION_COOKIE = 'pb_session';
const CSRF_COOKIE = 'pb_csrf';

export interface AppEnv {
  Variables: {
    requestId: string;
    user: User | null;
    sessionToken: string | null;
    /** Token every form and state-changing request must carry (field _csrf or header x-csrf-token). */
    csrfToken: string;
    /** Set on first use by requestClient. */
    client: ForwardedClient | undefined;
    /** The file fields the route takes (create-app.ts's upload routes), for readForm; none elsewhere. */
    textFiles: readonly string[];
  };
}

const socketAddress = (c: Context) => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;

/**
 * Who sent the request, as far as trusted proxies vouch for it (core/trusted-proxies.ts): the
 * client is the first X-Forwarded-For entry from the right that is not a trusted proxy, never a
 * value the client wrote. Computed once per request.
 */
export function requestClient(c: Context<AppEnv>, trust: TrustedProxies): ForwardedClient {
  const cached = c.get('client');
  if (cached) return cached;
  const client = forwardedClient(trust, socketAddress(c), c.req.header('x-forwarded-for'));
  c.set('client', client);
  return client;
}

/** True when the client reached us over TLS (directly, or as the outermost trusted proxy says). */
export function isHttps(c: Context<AppEnv>, trust: TrustedProxies): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return forwardedValue(c.req.header('x-forwarded-proto'), requestClient(c, trust).trustedHops) === 'https';
}

/**
 * The environment `serve`'s warm-up passes to `app.request` (compose/warm-up.ts): its requests are
 * neither rate limited nor logged. Only code in the process can set a request's environment (the
 * HTTP server sets it to the socket's), so no client can claim it.
 */
export const WARM_UP_ENV = Object.freeze({ paperboyWarmUp: true });
export const isWarmUp = (c: Context) => c.env === WARM_UP_ENV;

/** The rate-limit key of the client: its address (IPv6 per /64). */
export function clientKey(c: Context<AppEnv>, trust: TrustedProxies): string {
  return rateLimitKey(requestClient(c, trust).address);
}

export function cookieOptions(c: Context<AppEnv>, trust: TrustedProxies, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: isHttps(c, trust), ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

/** Reads the session cookie into `user`. */
export function sessions(accounts: AccountService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const user = token && token.length < 200 ? await accounts.userForSession(token) : null;
    c.set('user', user);
    c.set('sessionToken', user && token ? token : null);
    await next();
  };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF protection for every state-changing request: a random per-browser cookie (HttpOnly,
 * SameSite=Lax) and a token derived from it with the server secret, which pages embed in forms and
 * scripts send as `x-csrf-token`. A cross-site page can neither read the cookie nor compute the
 * token. A browser that states a foreign Origin is refused outright.
 */
export function csrf(secret: string, trust: TrustedProxies): MiddlewareHandler<AppEnv> {
  const tokenFor = (cookie: string) => createHmac('sha256', secret).update(`csrf:${cookie}`).digest('base64url');
  return async (c, next) => {
    // Reads of the API, feeds and assets carry no forms: no token to make, no cookie to set.
    if (!UNSAFE.has(c.req.method) && /^\/(api\/(?!session$)|feeds\/|assets\/)/.test(c.req.path)) {
      c.set('csrfToken', '');
      return next();
    }
    // One-click unsubscribe (RFC 8058) comes from mail providers without cookies: the signed token
    // in the URL authorises it, and a forged request could at most unsubscribe its own token.
    if (c.req.method === 'POST' && c.req.path === '/unsubscribe') {
      c.set('csrfToken', '');
      return next();
    }
    let cookie = getCookie(c, CSRF_COOKIE);
    if (!cookie || !/^[\w-]{20,64}$/.test(cookie)) {
      cookie = randomBytes(18).toString('base64url');
      if (!UNSAFE.has(c.req.method)) setCookie(c, CSRF_COOKIE, cookie, cookieOptions(c, trust, 60 * 60 * 24 * 365));
    }
    const expected = tokenFor(cookie);
    c.set('csrfToken', expected);
    if (UNSAFE.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && origin !== new URL(c.req.url).origin && !originMatchesForwarded(c, origin, trust)) {
        throw new ApiError(403, 'CSRF', `cross-site request refused (Origin ${origin})`);
      }
      let sent = c.req.header('x-csrf-token');
      if (!sent && hasFormBody(c)) {
        const form = await readForm(c, { textFiles: c.get('textFiles') ?? [] });
        sent = typeof form._csrf === 'string' ? form._csrf : undefined;
      }
      if (!sent || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
        throw new ApiError(403, 'CSRF', 'missing or invalid CSRF token: reload the page and try again (API clients: send x-csrf-token from GET /api/session)');
      }
    }
    await next();
  };
}

/** The Origin a browser sends when the outermost trusted proxy forwarded its Host and scheme. */
function originMatchesForwarded(c: Context<AppEnv>, origin: string, trust: TrustedProxies): boolean {
  const hops = requestClient(c, trust).trustedHops;
  if (hops === 0) return false;
  const host = forwardedValue(c.req.header('x-forwarded-host'), hops) ?? c.req.header('host');
  const proto = forwardedValue(c.req.header('x-forwarded-proto'), hops) ?? 'http';
  return origin === `${proto}://${host}`;
}

export type RateLimitName = 'search' | 'signIn' | 'subscribe' | 'preferences' | 'votes';
export type Limit = (name: RateLimitName) => MiddlewareHandler<AppEnv>;
/** Per-name rules; a name left out keeps its default; `null` turns rate limiting off. */
export type RateLimits = Partial<Record<RateLimitName, BucketRule>> | null;

/** Defaults per client address (docs/web.md lists them). */
export const RATE_LIMIT_DEFAULTS: Record<RateLimitName, BucketRule> = {
  search: { capacity: 60, perMinute: 240 },
  signIn: { capacity: 5, perMinute: 1 },
  subscribe: { capacity: 5, perMinute: 1 },
  preferences: { capacity: 30, perMinute: 10 },
  votes: { capacity: 60, perMinute: 120 },
};

/** What the 429 message calls each limited action. */
const ACTION: Record<RateLimitName, string> = {
  search: 'search', signIn: 'sign-in', subscribe: 'subscription', preferences: 'preference-change', votes: 'vote, save and hide',
};

/**
 * Rate limiting per client address (see clientKey) and action, with buckets in `store` (this
 * process's memory unless given: the database when instances share one); `null` limits turn it off
 * (benchmarks, trusted networks).
 */
export function rateLimiter(limits: RateLimits, trust: TrustedProxies, now: () => number, store: RateLimitStore = memoryRateLimitStore()): Limit {
  const rules = limits
    ? Object.fromEntries(Object.entries(RATE_LIMIT_DEFAULTS).map(([name, rule]) => [name, limits[name as RateLimitName] ?? rule])) as Record<RateLimitName, BucketRule>
    : null;
  return (name: RateLimitName): MiddlewareHandler<AppEnv> => async (c, next) => {
    if (rules && !isWarmUp(c)) {
      const verdict = await store.take(`${name}:${clientKey(c, trust)}`, rules[name], now());
      if (!verdict.ok) {
        const seconds = Math.ceil(verdict.retryAfterMs / 1000);
        c.header('Retry-After', String(seconds));
        throw new ApiError(429, 'RATE_LIMITED', `too many ${ACTION[name]} requests from this address; retry in ${seconds} s`);
      }
    }
    await next();
  };
}
