import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tokens for links in mails (preferences, unsubscribe, view in browser): the payload and an
 * HMAC-SHA256 of it with the server secret, base64url. Unforgeable without the secret; any change
 * to the payload or the signature is refused.
 */
export function signToken(secret: string, purpose: string, payload: string): string {
  const body = Buffer.from(`${purpose}|${payload}`).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** The payload of a valid token for `purpose`, else null. */
export function verifyToken(secret: string, purpose: string, token: string): string | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 512) return null;
  const body = token.slice(0, dot);
  const expected = createHmac('sha256', secret).update(body).digest();
  let given: Buffer;
  try {
    given = Buffer.from(token.slice(dot + 1), 'base64url');
  } catch {
    return null;
  }
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const decoded = Buffer.from(body, 'base64url').toString('utf8');
  const bar = decoded.indexOf('|');
  return bar > 0 && decoded.slice(0, bar) === purpose ? decoded.slice(bar + 1) : null;
}
