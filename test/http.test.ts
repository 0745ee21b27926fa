import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
type Json = any;
const json = async (res: Response): Promise<Json> => res.json();
import { loadConfig } from '../src/config/load-config.ts';
import { forwardedClient, forwardedValue, parseTrustedProxies, rateLimitKey } from '../src/core/trusted-proxies.ts';
import { createHmac } from 'node:crypto';
import { client, signIn, TEST_SECRET, testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

describe('HTTP service', async () => {
  const { app } = await testApp({ fixtures: [fixture('oai-arxivraw.xml')] });

  it('answers /healthz with the paper count and a request id', async () => {
    const res = await app.request('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { status: 'ok', version: '0.0.0-test', papers: 2 });
    assert.match(res.headers.get('x-request-id') ?? '', /^[\w-]{8,}$/);
  });

  it('/healthz reads the paper count at most every 5 s', async () => {
    const other = await testApp({ fixtures: [fixture('oai-arxivraw.xml')] });
    assert.equal((await json(await other.app.request('/healthz'))).papers, 2);
    await other.importFiles([fixture('atom.xml')]);
    other.clock.set('2024-01-10T12:00:04Z');
    assert.equal((await json(await other.app.request('/healthz'))).papers, 2, 'cached within 5 s');
    other.clock.set('2024-01-10T12:00:05Z');
    assert.equal((await json(await other.app.request('/healthz'))).papers, 4, 'read again after 5 s');
  });

  it('serves a paper by id, with or without version, new- and old-style', async () => {
    const res = await app.request('/api/papers/2401.00001v2');
    assert.equal(res.status, 200);
    const paper = await json(res);
    assert.equal(paper.title, 'Similarity search in the blink of an eye with compressed indices');
    assert.equal(paper.links.pdf, 'https://arxiv.org/pdf/2401.00001');
    assert.equal((await app.request('/api/papers/cs/9901001')).status, 200);
  });

  it('answers 400 for a malformed id and 404 for an unknown paper or route, as JSON', async () => {
    const bad = await app.request('/api/papers/not-an-id');
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.code, 'INVALID_PARAMETER');
    const missing = await app.request('/api/papers/2401.99999');
    assert.equal(missing.status, 404);
    assert.match((await json(missing)).error.message, /no paper 2401\.99999/);
    assert.equal((await app.request('/nowhere')).status, 404);
  });

  it('serves statistics', async () => {
    const stats = await json(await app.request('/api/stats'));
    assert.equal(stats.papers, 2);
    assert.deepEqual(stats.byCategory.map((c: { category: string }) => c.category).sort(), ['cs.AI', 'cs.DB', 'cs.IR']);
  });
});

const FORM_ROUTES = ['/signin', '/auth/verify', '/subscribe', '/subscribe/confirm', '/preferences', '/papers/2401.00101/vote', '/papers/2401.00101/save', '/papers/2401.00101/hide'];

describe('malformed request bodies', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
  const reader = client(t.app);
  await signIn(reader, t.mailer as never, 'bodies@example.org');
  const post = (path: string, contentType: string | null, body: RequestInit['body']) =>
    reader.request(path, { method: 'POST', headers: { 'x-csrf-token': reader.csrf, ...(contentType ? { 'content-type': contentType } : {}) }, body });

  it('regression: a multipart body that does not parse is a 400 naming the problem on every form route, not a 500', async () => {
    for (const path of FORM_ROUTES) {
      const res = await post(path, 'multipart/form-data; boundary=abc', 'x');
      assert.equal(res.status, 400, path);
      assert.match(await res.text(), /not a valid multipart\/form-data body/, path);
      const noBoundary = await post(path, 'multipart/form-data', 'x');
      assert.equal(noBoundary.status, 400, path);
      assert.match(await noBoundary.text(), /needs a boundary/, path);
    }
  });

  it('refuses other content types, thousands of fields and file uploads on form routes with 4xx', async () => {
    for (const path of FORM_ROUTES) {
      for (const type of ['text/plain', 'application/json', 'application/xml']) {
        const res = await post(path, type, '{"email":"a@b.co"}');
        assert.equal(res.status, 400, `${path} ${type}`);
        assert.match(await res.text(), /expected a form/, path);
      }
      const many = await post(path, 'application/x-www-form-urlencoded', Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join('&'));
      assert.equal(many.status, 400, path);
      assert.match(await many.text(), /more than 100 form fields/);
      const upload = new FormData();
      upload.append('email', new Blob(['x']), 'x.txt');
      const file = await post(path, null, upload);
      assert.equal(file.status, 400, path);
      assert.match(await file.text(), /field email: files are not accepted/);
    }
  });

  it('accepts a well-formed multipart form, with the CSRF token as a field', async () => {
    const anonymous = client(t.app);
    await anonymous.session();
    const form = new FormData();
    form.append('_csrf', anonymous.csrf);
    form.append('email', 'multipart@example.org');
    const res = await anonymous.request('/signin', { method: 'POST', body: form });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Check your inbox/);
    const forged = new FormData();
    forged.append('_csrf', 'x'.repeat(43));
    assert.equal((await anonymous.request('/signin', { method: 'POST', body: forged })).status, 403);
  });

  it('answers wrong content types, malformed JSON and non-objects on API routes with 4xx that say why', async () => {
    const send = (type: string | null, body: string) => reader.request('/api/auth/sign-in', { method: 'POST', headers: { 'x-csrf-token': reader.csrf, ...(type ? { 'content-type': type } : {}) }, body });
    const wrongType = await send('text/plain', '{"email":"a@b.co"}');
    assert.equal(wrongType.status, 415);
    assert.equal((await json(wrongType)).error.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await send('application/x-www-form-urlencoded', 'email=a@b.co')).status, 415);
    for (const body of ['', '{', 'null', '[]', '"x"', '{"email":["a@b.co"]}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`]) {
      const res = await send('application/json', body);
      assert.equal(res.status, 400, body.slice(0, 20));
    }
    const untyped = await reader.request('/api/auth/sign-in', { method: 'POST', headers: { 'x-csrf-token': reader.csrf }, body: new TextEncoder().encode('{"email":"a@b.co"}') });
    assert.equal(untyped.status, 202, 'no content type reads as JSON');
  });
});

describe('feeds of papers without authors', async () => {
  const t = await testApp({ fixtures: [fixture('odd-papers.jsonl')], rateLimits: null });

  it('regression: every feed format serves a search hit that has no authors (the seed shape: title and abstract only)', async () => {
    for (const format of ['json', 'atom', 'rss']) {
      const res = await t.app.request(`http://paperboy.test/feeds/search.${format}?q=tilings&mode=keyword`);
      assert.equal(res.status, 200, format);
      assert.match(await res.text(), /Quasicrystal tilings without named authors/, format);
    }
    const feed = await json(await t.app.request('http://paperboy.test/feeds/search.json?q=tilings&mode=keyword'));
    assert.equal(feed.items.length, 1);
    assert.equal(feed.items[0].author, undefined, 'no invented author');
    for (const path of ['/feeds/trending.json?period=month', '/feeds/daily.json', '/feeds/daily.atom', '/feeds/trending.rss']) {
      assert.equal((await t.app.request(`http://paperboy.test${path}`)).status, 200, path);
    }
  });
});

describe('trusted proxies', () => {
  it('reads the client from the right of X-Forwarded-For: hop counts, address lists, IPv6, garbage', () => {
    const one = parseTrustedProxies('1');
    assert.deepEqual(forwardedClient(one, '127.0.0.1', '6.6.6.6, 203.0.113.7'), { address: '203.0.113.7', trustedHops: 1 });
    assert.deepEqual(forwardedClient(parseTrustedProxies('2'), '127.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.2'), { address: '203.0.113.7', trustedHops: 2 });
    assert.deepEqual(forwardedClient(parseTrustedProxies('2'), '127.0.0.1', '203.0.113.7'), { address: '203.0.113.7', trustedHops: 1 }, 'a shorter chain: its leftmost entry');
    const list = parseTrustedProxies('127.0.0.1, 10.0.0.0/8, fd00::/8');
    assert.deepEqual(forwardedClient(list, '::ffff:127.0.0.1', '1.1.1.1, 198.51.100.9, 10.0.0.5, 10.1.2.3'), { address: '198.51.100.9', trustedHops: 3 });
    assert.deepEqual(forwardedClient(list, '198.51.100.1', '10.0.0.5'), { address: '198.51.100.1', trustedHops: 0 }, 'an untrusted peer: the header is ignored');
    assert.deepEqual(forwardedClient(list, 'fd00::1', '2001:db8::1, [fd00::2]:443'), { address: '2001:db8::1', trustedHops: 2 });
    assert.deepEqual(forwardedClient(one, '127.0.0.1', 'not-an-address'), { address: '127.0.0.1', trustedHops: 0 }, 'garbage never becomes the key');
    assert.deepEqual(forwardedClient(one, '127.0.0.1', `${'x'.repeat(5000)}, 1.2.3`), { address: '127.0.0.1', trustedHops: 0 });
    assert.deepEqual(forwardedClient(one, '127.0.0.1', '203.0.113.7:51234'), { address: '203.0.113.7', trustedHops: 1 });
    assert.deepEqual(forwardedClient(parseTrustedProxies('0'), '127.0.0.1', '203.0.113.7'), { address: '127.0.0.1', trustedHops: 0 });
    assert.equal(rateLimitKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('203.0.113.7'), '203.0.113.7');
    assert.equal(forwardedValue('https, http', 1), 'http', 'the value the trusted proxy appended');
    assert.equal(forwardedValue('https', 2), 'https', 'proxies that overwrite leave one value');
    assert.equal(forwardedValue('https', 0), undefined);
    assert.throws(() => parseTrustedProxies('10.0.0.0/99'), /"10\.0\.0\.0\/99" is not an IP address or CIDR range/);
    assert.throws(() => parseTrustedProxies('localhost'), /"localhost" is not an IP address/);
    assert.throws(() => parseTrustedProxies('1.2.3'), /is not an IP address/);
  });

  it('configures PAPERBOY_TRUSTED_PROXIES, reads the deprecated PAPERBOY_TRUST_PROXY=1 as one hop, and names a bad value', () => {
    const base = { PAPERBOY_DATA: '/tmp/pb-config-test' };
    assert.equal(loadConfig({ env: base }).trustedProxies, '0');
    assert.equal(loadConfig({ env: { ...base, PAPERBOY_TRUST_PROXY: '1' } }).trustedProxies, '1');
    assert.equal(loadConfig({ env: { ...base, PAPERBOY_TRUST_PROXY: '1', PAPERBOY_TRUSTED_PROXIES: '10.0.0.0/8' } }).trustedProxies, '10.0.0.0/8');
    assert.throws(() => loadConfig({ env: { ...base, PAPERBOY_TRUSTED_PROXIES: 'proxy.local' } }), /trustedProxies \(PAPERBOY_TRUSTED_PROXIES\): trusted proxies: "proxy\.local" is not an IP address/);
  });

  // A request as @hono/node-server hands it over: the socket's address in env.incoming, with a
  // valid CSRF cookie and token so that the rate limit is what answers.
  const cookie = 'c'.repeat(24);
  const csrf = createHmac('sha256', TEST_SECRET).update(`csrf:${cookie}`).digest('base64url');
  const behind = (socket: string, xff?: string, extra: Record<string, string> = {}) =>
    [{ headers: { cookie: `pb_csrf=${cookie}`, ...(xff !== undefined ? { 'x-forwarded-for': xff } : {}), ...extra } }, { incoming: { socket: { remoteAddress: socket } } }] as const;
  const signInStatuses = async (t: Awaited<ReturnType<typeof testApp>>, requests: (readonly [{ headers: Record<string, string> }, unknown])[]) => {
    const statuses: number[] = [];
    for (const [init, env] of requests) {
      const res = await t.app.request('http://paperboy.test/api/auth/sign-in', {
        method: 'POST', headers: { ...init.headers, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}',
      }, env as never);
      statuses.push(res.status);
    }
    return statuses;
  };

  it('regression: rotating a spoofed leftmost X-Forwarded-For no longer gives a fresh rate-limit bucket', async () => {
    const t = await testApp({ rateLimits: { signIn: { capacity: 2, perMinute: 1 } }, trustedProxies: '1' });
    // nginx appends the real peer ($proxy_add_x_forwarded_for): the client controls only the left.
    const rotating = Array.from({ length: 5 }, (_, i) => behind('127.0.0.1', `10.9.9.${i}, 203.0.113.7`));
    assert.deepEqual(await signInStatuses(t, rotating), [400, 400, 429, 429, 429]);
    assert.deepEqual(await signInStatuses(t, [behind('127.0.0.1', '203.0.113.8')]), [400], 'another client has its own bucket');
  });

  it('counts clients per address list and per IPv6 /64; ignores forwarded headers from untrusted peers; garbage shares the proxy bucket', async () => {
    const t = await testApp({ rateLimits: { signIn: { capacity: 1, perMinute: 1 } }, trustedProxies: '127.0.0.1,10.0.0.0/8,::1' });
    assert.deepEqual(await signInStatuses(t, [behind('127.0.0.1', '1.1.1.1, 198.51.100.9, 10.0.0.5'), behind('127.0.0.1', '2.2.2.2, 198.51.100.9, 10.0.0.6')]), [400, 429]);
    assert.deepEqual(await signInStatuses(t, [behind('::1', '2001:db8:0:1::1'), behind('::1', '2001:db8:0:1::2'), behind('::1', '2001:db8:0:2::1')]), [400, 429, 400]);
    assert.deepEqual(await signInStatuses(t, [behind('198.51.100.50', '5.5.5.5'), behind('198.51.100.50', '6.6.6.6')]), [400, 429], 'an untrusted peer is the client');
    assert.deepEqual(await signInStatuses(t, [behind('10.0.0.7', 'garbage'), behind('10.0.0.7', `\u00e9, ${'9'.repeat(3000)}`)]), [400, 429]);
  });

  it('takes X-Forwarded-Proto and -Host from the trusted hop, not the client-written left', async () => {
    const t = await testApp({ trustedProxies: '1', rateLimits: null });
    const cookieOf = async (proto: string) => {
      const [, env] = behind('127.0.0.1');
      const res = await t.app.request('http://paperboy.test/signin', { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': proto } }, env as never);
      return res.headers.getSetCookie().find((l) => l.startsWith('pb_csrf='))!;
    };
    assert.match(await cookieOf('https'), /Secure/);
    assert.doesNotMatch(await cookieOf('https, http'), /Secure/, 'a client-written https left of the proxy value');
    assert.match(await cookieOf('http, https'), /Secure/);
    const [init, env] = behind('127.0.0.1', '203.0.113.7', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example, papers.example.org', origin: 'https://papers.example.org' });
    const res = await t.app.request('http://paperboy.test/api/auth/sign-in', { method: 'POST', headers: { ...init.headers, 'content-type': 'application/json' }, body: '{}' }, env as never);
    assert.equal((await json(res)).error.message.includes('cross-site'), false, 'the Origin matches the forwarded host');
    const listed = await testApp({ trustedProxies: '127.0.0.1', rateLimits: null });
    const [init2, env2] = behind('198.51.100.1', '203.0.113.7', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'papers.example.org', origin: 'https://papers.example.org' });
    const untrusted = await listed.app.request('http://paperboy.test/api/auth/sign-in', { method: 'POST', headers: { ...init2.headers, 'content-type': 'application/json' }, body: '{}' }, env2 as never);
    assert.match((await json(untrusted)).error.message, /cross-site request refused/);
  });
});

describe('rate limits per action', () => {
  it('subscribing has its own bucket and message, separate from sign-in', async () => {
    const t = await testApp({ rateLimits: { signIn: { capacity: 1, perMinute: 1 }, subscribe: { capacity: 2, perMinute: 1 } } });
    const c = client(t.app);
    await c.session();
    assert.equal((await c.form('/signin', { email: 'a@example.org' })).status, 200);
    assert.equal((await c.form('/signin', { email: 'a@example.org' })).status, 429);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await c.form('/subscribe', { email: `s${i}@example.org` })).status);
    assert.deepEqual(statuses, [200, 200, 429], 'sign-ins used up no subscription tokens');
    const limited = await c.form('/subscribe', { email: 'x@example.org' });
    assert.match(await limited.text(), /too many subscription requests from this address; retry in \d+ s/);
    const api = await c.api('POST', '/api/subscriptions', { email: 'y@example.org' });
    assert.equal(api.status, 429);
    assert.match((await json(api)).error.message, /too many subscription requests/);
  });

  it('limits preference changes per client', async () => {
    const t = await testApp({ rateLimits: { preferences: { capacity: 3, perMinute: 1 } } });
    const c = client(t.app);
    await c.session();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await c.form('/preferences', { token: 'not-a-valid-token-at-all', action: 'add-topic' })).status);
    assert.deepEqual(statuses, [403, 403, 403, 429, 429]);
  });
});
