import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { TokenBuckets, type BucketRule } from '../core/rate-limit.ts';
import type { AccountService } from '../app/accounts.ts';
import type { User } from '../ports/account-store.ts';
import { ApiError } from './errors.ts';

export const SESSION_COOKIE = 'pb_session';
const CSRF_COOKIE = 'pb_csrf';

export interface AppEnv {
  Variables: {
    requestId: string;
    user: User | null;
    sessionToken: string | null;
    /** Token every form and state-changing request must carry (field _csrf or header x-csrf-token). */
    csrfToken: string;
  };
}

/** True when the client reached us over TLS (directly, or through a trusted proxy). */
export function isHttps(c: Context, trustProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

/** The client's address: the socket's, or the first X-Forwarded-For hop behind a trusted proxy. */
export function clientKey(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}

export function cookieOptions(c: Context, trustProxy: boolean, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: isHttps(c, trustProxy), ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
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
export function csrf(secret: string, trustProxy: boolean): MiddlewareHandler<AppEnv> {
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
      if (!UNSAFE.has(c.req.method)) setCookie(c, CSRF_COOKIE, cookie, cookieOptions(c, trustProxy, 60 * 60 * 24 * 365));
    }
    const expected = tokenFor(cookie);
    c.set('csrfToken', expected);
    if (UNSAFE.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && origin !== new URL(c.req.url).origin && !(trustProxy && originMatchesForwarded(c, origin))) {
        throw new ApiError(403, 'CSRF', `cross-site request refused (Origin ${origin})`);
      }
      let sent = c.req.header('x-csrf-token');
      if (!sent && (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
        const form = await c.req.parseBody();
        sent = typeof form._csrf === 'string' ? form._csrf : undefined;
      }
      if (!sent || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
        throw new ApiError(403, 'CSRF', 'missing or invalid CSRF token: reload the page and try again (API clients: send x-csrf-token from GET /api/session)');
      }
    }
    await next();
  };
}

function originMatchesForwarded(c: Context, origin: string): boolean {
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() ?? 'http';
  return origin === `${proto}://${host}`;
}

export type RateLimitName = 'search' | 'signIn' | 'votes';
export type Limit = (name: RateLimitName) => MiddlewareHandler<AppEnv>;
export type RateLimits = Record<RateLimitName, BucketRule> | null;

export const RATE_LIMIT_DEFAULTS: Record<RateLimitName, BucketRule> = {
  search: { capacity: 60, perMinute: 240 },
  signIn: { capacity: 5, perMinute: 1 },
  votes: { capacity: 60, perMinute: 120 },
};

/** Rate limiting per client address; `null` limits turn it off (benchmarks, trusted networks). */
export function rateLimiter(limits: RateLimits, trustProxy: boolean, now: () => number): Limit {
  const buckets = limits ? Object.fromEntries(Object.entries(limits).map(([k, rule]) => [k, new TokenBuckets(rule)])) as Record<RateLimitName, TokenBuckets> : null;
  return (name: RateLimitName): MiddlewareHandler<AppEnv> => async (c, next) => {
    if (buckets) {
      const verdict = buckets[name].take(clientKey(c, trustProxy), now());
      if (!verdict.ok) {
        c.header('Retry-After', String(Math.ceil(verdict.retryAfterMs / 1000)));
        throw new ApiError(429, 'RATE_LIMITED', `too many ${name === 'signIn' ? 'sign-in' : name} requests from this address; retry in ${Math.ceil(verdict.retryAfterMs / 1000)} s`);
      }
    }
    await next();
  };
}
