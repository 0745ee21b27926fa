import ipaddr from 'ipaddr.js';
import { PaperboyError } from './errors.ts';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Which peers may speak for the client in X-Forwarded-For/-Proto/-Host: nobody, the nearest
 * `hops` proxies (the socket peer is hop 1), or the peers whose address is in `ranges`.
 */
export type TrustedProxies =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'addresses'; readonly ranges: readonly (readonly [Address, number])[] };

export const TRUST_NONE: TrustedProxies = Object.freeze({ kind: 'none' });

/** At most this many X-Forwarded-For entries are looked at (no real chain is longer). */
const MAX_HOPS = 32;

/**
 * Parses the trusted-proxies setting: '' or '0' (none), a hop count ('1': one proxy in front of
 * us), or a comma-separated list of addresses and CIDR ranges ('127.0.0.1,::1,10.0.0.0/8').
 * Throws INVALID_CONFIG naming the first entry that is none of these.
 */
export function parseTrustedProxies(spec: string): TrustedProxies {
  const text = spec.trim();
  if (text === '' || text === '0') return TRUST_NONE;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) throw new PaperboyError('INVALID_CONFIG', `trusted proxies: ${hops} hops is more than ${MAX_HOPS}; give the number of proxies in front of Paperboy`);
    return { kind: 'hops', hops };
  }
  const ranges = text.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry): readonly [Address, number] => {
    try {
      if (entry.includes('/')) return ipaddr.parseCIDR(entry);
      const address = parseAddress(entry);
      if (!address) throw new Error('not an address');
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    } catch {
      throw new PaperboyError('INVALID_CONFIG', `trusted proxies: ${JSON.stringify(entry.slice(0, 80))} is not an IP address or CIDR range (use e.g. 127.0.0.1,::1,10.0.0.0/8, or a hop count such as 1)`);
    }
  });
  return { kind: 'addresses', ranges };
}

/** The problem with a trusted-proxies setting, or null when it parses (for config validation). */
export function trustedProxiesProblem(spec: string): string | null {
  try {
    parseTrustedProxies(spec);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * A strictly written IP address (dotted-quad IPv4 or IPv6, an IPv4-mapped IPv6 address read as
 * IPv4; a port some proxies add is dropped), or null. ipaddr.js alone would also accept '1.2.3'.
 */
export function parseAddress(text: string): Address | null {
  let value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(value)) value = value.slice(0, value.indexOf(':'));
  if (ipaddr.IPv4.isValidFourPartDecimal(value) || (value.includes(':') && ipaddr.IPv6.isValid(value))) return ipaddr.process(value);
  return null;
}

const isTrusted = (trust: TrustedProxies, address: Address | null, hop: number): boolean => {
  if (trust.kind === 'none' || !address) return false;
  if (trust.kind === 'hops') return hop < trust.hops;
  return trust.ranges.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
};

/** Where a request came from, as far as the trusted proxies vouch for it. */
export interface ForwardedClient {
  /** The client's address (normalised), or the socket's text when that is not an address. */
  address: string;
  /** How many trusted proxies stand between us and the client (0: none, forwarded headers ignored). */
  trustedHops: number;
}

/**
 * The client of a request: the chain is the socket peer, then X-Forwarded-For read from the right
 * (each proxy appends the address it saw); the client is the first entry that is not a trusted
 * proxy. Entries left of it were written by the client and are never read. An entry that is not an
 * address ends the walk at the proxy that wrote it, so a client can never choose its own key.
 */
export function forwardedClient(trust: TrustedProxies, socketAddress: string | undefined, forwardedFor: string | undefined): ForwardedClient {
  const socket = socketAddress ? parseAddress(socketAddress) : null;
  const socketText = socket?.toString() ?? socketAddress ?? 'local';
  if (!isTrusted(trust, socket, 0) || !forwardedFor) return { address: socketText, trustedHops: 0 };
  const entries = forwardedFor.split(',').slice(-MAX_HOPS).reverse();
  let current = socket!;
  for (let i = 0; i < entries.length; i++) {
    const next = parseAddress(entries[i]!);
    if (!next) return { address: current.toString(), trustedHops: i };
    if (!isTrusted(trust, next, i + 1)) return { address: next.toString(), trustedHops: i + 1 };
    current = next;
  }
  // Every entry is a trusted proxy: the leftmost is the client (a request from inside the network).
  return { address: current.toString(), trustedHops: entries.length };
}

/**
 * The value a forwarded header (X-Forwarded-Proto, -Host) had when the outermost trusted proxy
 * set it: each trusted proxy appends or sets one value, so it is the `trustedHops`-th from the
 * right (or the leftmost, when proxies overwrite rather than append). Undefined when untrusted.
 */
export function forwardedValue(header: string | undefined, trustedHops: number): string | undefined {
  if (!header || trustedHops === 0) return undefined;
  const values = header.split(',').map((v) => v.trim());
  return values[Math.max(0, values.length - trustedHops)] || undefined;
}

/** The rate-limit key of an address: IPv6 clients are counted per /64, which one subscriber holds. */
export function rateLimitKey(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed || parsed.kind() === 'ipv4') return address;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
