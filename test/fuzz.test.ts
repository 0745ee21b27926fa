/**
 * A bounded, seeded fuzz of the whole HTTP surface, in-process: every route of the OpenAPI
 * document (parameters of the wrong type, length and charset, unknown parameters, odd path ids),
 * every page with junk query parameters, and every form with malformed bodies of every content
 * type (urlencoded, multipart with broken boundaries and big parts, JSON, text, none), always with
 * a valid CSRF token so that the handler is reached. No answer may be a 5xx.
 *
 * The request budget is fixed (not a time loop). FUZZ_SEED=n explores another sequence, FUZZ_SCALE=n
 * sends n times as many requests, FUZZ_DEBUG=<route> prints that route's answers; a failure prints
 * the requests that failed so that they can become regression tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { client, signIn, testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
/** FUZZ_SCALE=n multiplies the budget when exploring locally; CI runs the default. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const PER_API_OPERATION = 50 * SCALE;
const PER_PAGE = 30 * SCALE;
const PER_FORM = 70 * SCALE;

/** mulberry32: small, fast, good enough to pick test inputs reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

/** Values that broke or could break parsers: types, lengths, charsets, syntax of our own grammars. */
const JUNK = [
  '', ' ', '..', '../..', '.', '/', '//', '%', '"', "'", '?', '#', '&', '=', ';', ',', '\\', '*', '+', '-', '~',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '\u202e', '\u0007', 'Ωμέγα', '数学', '😀', 'é', 'ﬁ',
  'null', 'undefined', 'NaN', 'Infinity', '-Infinity', '-1', '0', '1.5', '1e309', '0x10', '99999999999999999999', '9'.repeat(400),
  'a'.repeat(3000), 'x '.repeat(800), '[]', '{}', 'true', '2024-02-30', '2024-13-01', '0000-00-00', '9999-12-31', '2024-01-09T00:00:00Z',
  'cs.AI', 'cs', 'cs.', '.AI', 'hep-th/9901001', '2401.00101', '2401.00101v999999999999', 'content:0123456789abcdef', '__proto__', 'constructor',
  "' OR 1=1 --", '"unterminated', '(a OR', 'title:', 'author:"x', 'NOT', 'AND OR NOT', '-(-(-x))', '"a" "b"', '*:*', '\\u0000',
  'day', 'week', 'month', 'year', 'hybrid', 'keyword', 'semantic', 'relevance', 'date', 'trending', 'rrf', 'convex',
];
/** Already percent-encoded junk: invalid escapes and invalid UTF-8 that encodeURIComponent cannot produce. */
const RAW_ENCODED = ['%', '%ZZ', '%0', '%00', '%ED%A0%80', '%C3%28', '%FF%FE', '%E2%80%AE', '%252e%252e', '%2e%2e', '%2F', '%3F', '%23', '%5C', '+%20+'];
const IDS = ['2401.00101', '2401.00102v2', '2401.00201', 'hep-th/9901001', 'hep-th/9901001v3', '2401.99999', 'x:a/../2401.00101', 'x:a"b', 'x:a%b', 'x:a?b', 'x:Ω', 'arXiv:2401.00101'];

const encode = (rng: Rng, value: string) => (rng.chance(0.15) ? rng.pick(RAW_ENCODED) : encodeURIComponent(value));
const junk = (rng: Rng) => (rng.chance(0.1) ? rng.pick(JUNK) + rng.pick(JUNK) : rng.pick(JUNK));

interface SchemaLike { type?: string | string[]; enum?: unknown[]; minimum?: number; maximum?: number; format?: string; anyOf?: SchemaLike[]; items?: SchemaLike; default?: unknown }

/** A value that fits the schema most of the time, to get past the first check and into the handler. */
function plausible(rng: Rng, schema: SchemaLike, name: string): string {
  if (schema.enum?.length) return String(rng.pick(schema.enum));
  const inner = schema.anyOf?.find((s) => s.type === 'string' || s.enum) ?? schema;
  if (inner.enum?.length) return String(rng.pick(inner.enum));
  if (inner.type === 'integer' || inner.type === 'number') {
    const lo = inner.minimum ?? 0;
    const hi = Math.min(inner.maximum ?? 100, lo + 100);
    return String(lo + rng.int(hi - lo + 1));
  }
  if (/date|from|to/.test(name)) return rng.pick(['2024-01-09', '2024-01-10', '2023-12-31']);
  if (name === 'category') return rng.pick(['cs.IR', 'cs', 'hep-th', 'cs.IR,cs.CL']);
  if (name === 'author') return rng.pick(['Grace Hopper', 'Dirac', 'Émilie du Châtelet']);
  return rng.pick(['retrieval', 'quasicrystal tilings', 'diffusion', 'title:sparse', '"learned term"', 'protein -design', 'hep-th/9901001', '2401.00101']);
}

/** Query parameters; a "clean" request has only plausible values, to reach deep into the handler. */
function queryString(rng: Rng, params: { name: string; schema: SchemaLike }[]): string {
  const clean = rng.chance(0.4);
  const parts: string[] = [];
  for (const p of params) {
    if (!rng.chance(clean ? 0.5 : 0.7)) continue;
    const times = !clean && rng.chance(0.1) ? 2 + rng.int(3) : 1;
    for (let i = 0; i < times; i++) parts.push(`${!clean && rng.chance(0.05) ? encode(rng, p.name) : p.name}=${clean || rng.chance(0.5) ? encodeURIComponent(plausible(rng, p.schema, p.name)) : encode(rng, junk(rng))}`);
  }
  if (clean) return parts.length ? `?${parts.join('&')}` : '';
  if (rng.chance(0.3)) parts.push(`${encode(rng, junk(rng))}=${encode(rng, junk(rng))}`);
  if (rng.chance(0.05)) parts.push(...Array.from({ length: 300 }, (_, i) => `u${i}=${i}`));
  if (rng.chance(0.05)) parts.push(rng.pick(['&&&', '==', '=x', 'x', '%', '?']));
  return parts.length ? `?${parts.join('&')}` : '';
}

const idSegment = (rng: Rng) => {
  if (rng.chance(0.5)) return rng.pick(IDS).split('/').map(encodeURIComponent).join(rng.chance(0.7) ? '/' : '%2F');
  return rng.chance(0.5) ? encode(rng, junk(rng)) : rng.pick(['..', '%2e%2e', '.', '%', 'a?b', 'a#b', '"', 'x'.repeat(5000), '%ED%A0%80', 'Ω', '9901001', 'hep-th', 'hep-th/', 'hep-th/99010010']);
};

interface Body { type: string | null; body: RequestInit['body']; label: string }

/** A form body of a random kind: fields, raw junk, huge field counts, broken multipart, JSON, text, none. */
function formBody(rng: Rng, fields: Record<string, () => string>): Body {
  const clean = rng.chance(0.4);
  const values = () => Object.fromEntries(Object.entries(fields).filter(() => rng.chance(clean ? 0.95 : 0.8)).map(([k, f]) => [k, clean || rng.chance(0.6) ? f() : junk(rng)]));
  const boundary = `fz${rng.int(1e9)}`;
  const part = (name: string, value: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;
  const kind = clean ? rng.pick([0, 1, 2, 5]) : rng.int(16);
  switch (kind) {
    case 0: case 1: case 2:
      return { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(values()).toString(), label: 'urlencoded fields' };
    case 3:
      return { type: 'application/x-www-form-urlencoded', body: Array.from({ length: 1 + rng.int(8) }, () => `${encode(rng, junk(rng))}=${encode(rng, junk(rng))}`).join(rng.pick(['&', ';', '&&'])), label: 'urlencoded junk' };
    case 4:
      return { type: 'application/x-www-form-urlencoded', body: 'a=1&'.repeat(200 + rng.int(5000)), label: 'urlencoded many fields' };
    case 5: {
      const form = new FormData();
      for (const [k, v] of Object.entries(values())) form.append(k, v);
      if (rng.chance(0.3)) form.append('email', new Blob(['x'.repeat(rng.int(1000))]), 'x.bin');
      return { type: null, body: form, label: 'multipart fields' };
    }
    case 6:
      return { type: rng.pick(['multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="', `multipart/form-data; boundary=${boundary}`, 'multipart/form-data; boundary=x; boundary=y']), body: rng.pick(['x', '', '--', `--${boundary}`, `--${boundary}--`, '\r\n\r\n']), label: 'multipart broken boundary' };
    case 7: {
      const body = Object.entries(values()).map(([k, v]) => part(k, v)).join('') + (rng.chance(0.5) ? `--${boundary}--\r\n` : '');
      return { type: `multipart/form-data; boundary=${rng.chance(0.3) ? 'other' : boundary}`, body, label: 'multipart truncated or mismatched' };
    }
    case 8:
      return { type: `multipart/form-data; boundary=${boundary}`, body: part('email', 'x'.repeat(20_000 + rng.int(40_000))) + `--${boundary}--\r\n`, label: 'multipart huge part' };
    case 9:
      return { type: `multipart/form-data; boundary=${boundary}`, body: part(rng.pick(['', '"', '\u00e9', '__proto__', 'a"; filename="x']), junk(rng), rng.pick(['', '; filename="a.txt"', '; filename*=UTF-8\'\'%ZZ'])) + `--${boundary}--\r\n`, label: 'multipart odd part' };
    case 10:
      return { type: `multipart/form-data; boundary=${boundary}`, body: part('x', 'y').repeat(150 + rng.int(300)) + `--${boundary}--\r\n`, label: 'multipart many parts' };
    case 11:
      return { type: 'application/json', body: rng.pick([JSON.stringify(values()), '{', 'null', '[]', `${'['.repeat(5000)}`]), label: 'json' };
    case 12:
      return { type: rng.pick(['text/plain', 'application/xml', 'application/octet-stream', 'image/png']), body: junk(rng), label: 'other type' };
    case 13:
      return { type: null, body: new TextEncoder().encode(new URLSearchParams(values()).toString()), label: 'no content type' };
    case 14:
      return { type: rng.pick([';;;', 'x'.repeat(500), 'application/x-www-form-urlencoded; charset=utf-16', 'APPLICATION/X-WWW-FORM-URLENCODED', 'multipart/mixed; boundary=a']), body: new URLSearchParams(values()).toString(), label: 'odd content type' };
    default:
      return { type: 'application/x-www-form-urlencoded', body: 'x'.repeat(65_000 + rng.int(10_000)), label: 'over the body limit' };
  }
}

function jsonBody(rng: Rng): Body {
  const email = () => rng.pick(['fuzz@example.org', 'a@b.co', junk(rng), `${'a'.repeat(250)}@example.org`]);
  const kind = rng.int(8);
  if (kind <= 2) return { type: 'application/json', body: JSON.stringify({ email: email(), ...(rng.chance(0.3) ? { next: junk(rng) } : {}), ...(rng.chance(0.2) ? { [junk(rng)]: junk(rng) } : {}) }), label: 'json object' };
  if (kind === 3) return { type: 'application/json', body: rng.pick(['null', '1', '"x"', '[]', '{"email":null}', '{"email":{"a":1}}', '{"email":["a@b.co"]}', '{"__proto__":{"email":"a@b.co"}}']), label: 'json other value' };
  if (kind === 4) return { type: 'application/json', body: rng.pick(['{', '{"email":', '', '\u0000', `${'{"a":'.repeat(3000)}`, `${'['.repeat(20_000)}${']'.repeat(20_000)}`]), label: 'json malformed' };
  if (kind === 5) return { type: rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=a', 'application/xml']), body: '{"email":"a@b.co"}', label: 'json wrong type' };
  if (kind === 6) return { type: 'application/json', body: JSON.stringify({ email: 'a@b.co', pad: 'x'.repeat(70_000) }), label: 'json over limit' };
  return { type: null, body: undefined, label: 'no body' };
}

describe('fuzz: no request makes the server answer 5xx', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl'), fixture('odd-papers.jsonl')], rateLimits: null, trustedProxies: '1' });
  const reader = client(t.app);
  await signIn(reader, t.mailer as never, 'fuzz-reader@example.org');
  const anonymous = client(t.app);
  await anonymous.session();
  t.digests.subscribe('fuzz-subscriber@example.org');
  await t.mailQueue.idle(); // the confirmation goes out after the answer, through the queue
  const confirmation = (t.mailer as unknown as { sent: { text: string }[] }).sent.at(-1)!.text;
  const subscriber = (await t.digests.confirm(/subscribe\/confirm\?token=([\w-]+)/.exec(confirmation)![1]!))!;
  const prefsToken = t.digests.preferencesToken(subscriber.id);

  // The author-less seed record gets a content id: fuzz its pages too.
  const seeded = (await (await reader.request('/api/search?q=tilings&mode=keyword')).json()) as { items: { id: string }[] };
  IDS.push(...seeded.items.map((i) => i.id));

  const tally = new Map<string, Map<number, number>>();
  const failures: string[] = [];
  const send = async (route: string, who: ReturnType<typeof client>, method: string, path: string, b: Body | null, rng?: Rng) => {
    const headers: Record<string, string> = method === 'GET' ? {} : { 'x-csrf-token': who.csrf };
    if (rng?.chance(0.2)) {
      // Forwarded headers (one trusted hop), Accept and Origin variants; an odd value must not 5xx either.
      const header = rng.pick(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'accept', 'origin', 'x-request-id']);
      headers[header] = rng.pick([junk(rng), '203.0.113.7', '::1, 2001:db8::1', 'https', 'application/json', 'null', 'http://paperboy.test', `${'1.2.3.4, '.repeat(200)}5.6.7.8`]).replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
    }
    if (b?.type) headers['content-type'] = b.type;
    let status: number;
    let text = '';
    try {
      const res = await who.request(path, { method, headers, ...(b?.body !== undefined ? { body: b.body } : {}) });
      status = res.status;
      text = await res.text();
    } catch (error) {
      status = 599;
      text = `threw ${(error as Error).message}`;
    }
    const counts = tally.get(route) ?? new Map<number, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    tally.set(route, counts);
    if (process.env.FUZZ_DEBUG && route.includes(process.env.FUZZ_DEBUG)) console.log(status, method, path.slice(0, 100), b?.label, text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 300));
    if (status >= 500) failures.push(`${status} ${method} ${path.slice(0, 300)}${b ? ` [${b.label}; ${b.type}]` : ''} -> ${text.slice(0, 200)}`);
  };

  it('over the OpenAPI routes, every page and every form (seeded, fixed budget)', async () => {
    const rng = prng(SEED);
    const doc = (await (await reader.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: SchemaLike }[]; requestBody?: unknown }>> };
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const query = (op.parameters ?? []).filter((p) => p.in === 'query');
        for (let i = 0; i < PER_API_OPERATION; i++) {
          const path = template.replace('{id}', () => idSegment(rng)) + queryString(rng, query);
          await send(`${method.toUpperCase()} ${template}`, rng.chance(0.8) ? reader : anonymous, method.toUpperCase(), path, op.requestBody || method !== 'get' ? jsonBody(rng) : null, rng);
        }
      }
    }

    const enumOf = (...values: string[]): SchemaLike => ({ enum: values });
    const pageParams = Object.entries<SchemaLike>({
      period: enumOf('day', 'week', 'month'), page: { type: 'integer', minimum: 1, maximum: 3 }, date: { type: 'string' }, view: enumOf('day', 'week', 'month'),
      q: { type: 'string' }, mode: enumOf('hybrid', 'keyword', 'semantic', 'lexical'), sort: enumOf('relevance', 'date', 'trending'), category: { type: 'string' },
      from: { type: 'string' }, to: { type: 'string' }, author: { type: 'string' }, next: enumOf('/', '/library', '//evil.example'), saved: enumOf('1'), limit: { type: 'integer', minimum: 1, maximum: 50 },
    }).map(([name, schema]) => ({ name, schema }));
    const pages = ['/', '/daily', '/search', '/papers/{id}', '/library', '/signin', '/auth/verify', '/subscribe', '/subscribe/confirm', '/preferences', '/unsubscribe', '/digests/view',
      '/feeds/trending.atom', '/feeds/daily.rss', '/feeds/search.json', '/feeds/search.atom', '/feeds/{file}', '/healthz', '/assets/{file}', '/favicon.ico', '/{file}'];
    for (const template of pages) {
      for (let i = 0; i < PER_PAGE; i++) {
        let path = template.replace('{id}', () => idSegment(rng)).replace('{file}', () => encode(rng, junk(rng)) + rng.pick(['', '.json', '.atom', '.rss', '.xml', '.css']));
        if (template === '/preferences' && rng.chance(0.5)) path += `?token=${prefsToken}&`;
        path += queryString(rng, pageParams).replace(/^\?/, path.includes('?') ? '' : '?');
        const method = rng.chance(0.9) ? 'GET' : rng.pick(['HEAD', 'OPTIONS', 'PATCH', 'PUT', 'DELETE', 'POST']);
        await send(`${method === 'GET' ? 'GET' : 'other'} ${template}`, rng.chance(0.7) ? reader : anonymous, method, path, method === 'GET' || method === 'HEAD' ? null : formBody(rng, {}), rng);
      }
    }

    const email = () => rng.pick(['fuzz@example.org', 'A@B.CO', ' spaced@example.org ', 'x@y', `${'a'.repeat(300)}@example.org`]);
    const token = () => (rng.chance(0.7) ? prefsToken : rng.pick(['a'.repeat(43), prefsToken.slice(0, -2), `${prefsToken}x`]));
    const forms: [string, Record<string, () => string>][] = [
      ['/signin', { email, next: () => rng.pick(['/', '/library', '//evil.example', 'https://evil.example', '/\\evil', '/%2F%2Fevil']) }],
      ['/auth/verify', { token }],
      ['/subscribe', { email }],
      ['/subscribe/confirm', { token }],
      ['/preferences', {
        token, action: () => rng.pick(['save', 'add-topic', 'remove-topic', 'unsubscribe', 'delete']), sendHour: () => String(rng.int(30) - 3), timeZone: () => rng.pick(['UTC', 'Europe/Paris', 'Mars/Olympus', '']),
        maxPapers: () => String(rng.int(60)), dailyTrending: () => '1', skipWeekends: () => '1', kind: () => rng.pick(['search', 'category', 'author', 'other']),
        query: () => plausible(rng, {}, 'q'), category: () => rng.pick(['', 'cs.IR', 'cs.IR,cs.CL', 'nope!']), frequency: () => rng.pick(['daily', 'weekly', 'hourly']), topicId: () => String(rng.int(5)),
      }],
      ['/papers/{id}/vote', { on: () => rng.pick(['0', '1', '2']), back: () => rng.pick(['/', '/search?q=x', '//evil.example']) }],
      ['/papers/{id}/save', { on: () => rng.pick(['0', '1']), back: () => '/' }],
      ['/papers/{id}/hide', { on: () => rng.pick(['0', '1']) }],
      ['/unsubscribe', {}],
      ['/signout', {}],
    ];
    for (const [template, fields] of forms) {
      for (let i = 0; i < PER_FORM; i++) {
        let path = template.replace('{id}', () => (rng.chance(0.7) ? rng.pick(IDS.slice(0, 5)) : idSegment(rng)));
        if (template === '/unsubscribe') path += `?token=${encode(rng, junk(rng))}`;
        const who = template === '/signout' || rng.chance(0.15) ? anonymous : reader;
        await send(`POST ${template}`, who, 'POST', path, formBody(rng, fields), rng);
      }
    }

    const total = [...tally.values()].reduce((n, counts) => n + [...counts.values()].reduce((a, b) => a + b, 0), 0);
    const overall = new Map<number, number>();
    for (const counts of tally.values()) for (const [status, n] of counts) overall.set(status, (overall.get(status) ?? 0) + n);
    const line = (counts: Map<number, number>) => [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
    console.log(`fuzz (seed ${SEED}): ${total} requests over ${tally.size} routes; ${line(overall)}`);
    for (const [route, counts] of [...tally].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${route.padEnd(40)} ${line(counts)}`);
    assert.deepEqual(failures.slice(0, 15), [], `${failures.length} requests answered 5xx`);
  });
});
