import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FIXTURES } from './helpers.ts';

/** The recorded daily lists under test/fixtures/hf, by date. */
export function hfFixtureDays(): Map<string, unknown[]> {
  const dir = join(FIXTURES, 'hf');
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => [/(\d{4}-\d{2}-\d{2})/.exec(f)![1]!, JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown[]]));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
});

export interface FakeHfOptions {
  /** The list served for a requested date (default: the fixture of that date, else an empty list). */
  listFor?: (date: string) => unknown[];
  /** An answer to send instead, by request index and query (e.g. a 429 with Retry-After); null: the list. */
  intercept?: (request: { index: number; date: string | null; p: number }) => { status: number; headers?: Record<string, string>; body?: string } | 'hang' | null;
}

/** A fake https://huggingface.co serving `/api/daily_papers?date=&p=&limit=` on 127.0.0.1. */
export async function startFakeHf(options: FakeHfOptions = {}) {
  const days = hfFixtureDays();
  const requests: { date: string | null; p: number; limit: number; status: number; query: string }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/daily_papers') {
      res.writeHead(404).end('{"error":"not found"}');
      return;
    }
    const date = url.searchParams.get('date');
    const p = Number(url.searchParams.get('p') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const special = options.intercept?.({ index: requests.length, date, p }) ?? null;
    if (special === 'hang') {
      requests.push({ date, p, limit, status: 0, query: url.search });
      return; // never answers: the client is killed meanwhile
    }
    if (special) {
      requests.push({ date, p, limit, status: special.status, query: url.search });
      res.writeHead(special.status, { 'content-type': 'application/json', ...special.headers }).end(special.body ?? '{"error":"try later"}');
      return;
    }
    const list = date ? (options.listFor?.(date) ?? days.get(date) ?? []) : [];
    requests.push({ date, p, limit, status: 200, query: url.search });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(list.slice(p * limit, (p + 1) * limit)));
  });
  const url = await listen(server);
  return { url, requests, close: () => closeServer(server) };
}

interface RepoFixture {
  repos: { id: number; full_name: string; stargazers_count: number }[];
  renamed: Record<string, number>;
  gone: Record<string, number>;
}

export interface FakeGitHubOptions {
  /** Requests allowed per hour (x-ratelimit-limit); 304s do not count, as on GitHub. */
  limit?: number;
  /** Answer 503 this many times before serving (a flaky API). */
  failFirst?: number;
  /** Stars to serve instead of the fixture's, by full_name (lower-cased). */
  stars?: Map<string, number>;
  /** Repositories (full_name, lower-cased) always answered with a 500 and no rate-limit headers. */
  broken?: ReadonlySet<string>;
}

/** A fake api.github.com serving `GET /repos/{owner}/{repo}` with ETags, renames (301), deletions and rate-limit headers. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}) {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'github', 'repos.json'), 'utf8')) as RepoFixture;
  const limit = options.limit ?? 60;
  let remaining = limit;
  let failures = options.failFirst ?? 0;
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const requests: { path: string; ifNoneMatch: string | null; authorization: string | null; status: number }[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const ifNoneMatch = (req.headers['if-none-match'] as string | undefined) ?? null;
    const log = (status: number) => requests.push({ path, ifNoneMatch, authorization: (req.headers.authorization as string | undefined) ?? null, status });
    const rate = () => ({ 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(reset), 'x-ratelimit-used': String(limit - remaining) });
    if (failures > 0) {
      failures--;
      log(503);
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"message":"Service unavailable"}');
      return;
    }
    const byName = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    const byId = /^\/repositories\/(\d+)$/.exec(path);
    const key = byName ? `${decodeURIComponent(byName[1]!)}/${decodeURIComponent(byName[2]!)}`.toLowerCase() : null;
    if (key && options.broken?.has(key)) {
      log(500);
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Server Error"}');
      return;
    }
    if (key && fixture.renamed[key] !== undefined) {
      log(301);
      const location = `http://${req.headers.host}/repositories/${fixture.renamed[key]}`;
      res.writeHead(301, { location, 'content-type': 'application/json', ...rate() }).end(JSON.stringify({ message: 'Moved Permanently', url: location }));
      return;
    }
    if (key && fixture.gone[key] !== undefined) {
      remaining = Math.max(0, remaining - 1);
      log(fixture.gone[key]!);
      res.writeHead(fixture.gone[key]!, { 'content-type': 'application/json', ...rate() }).end('{"message":"Not Found"}');
      return;
    }
    const repo = fixture.repos.find((r) => (key ? r.full_name.toLowerCase() === key : byId && r.id === Number(byId[1])));
    if (!repo) {
      remaining = Math.max(0, remaining - 1);
      log(404);
      res.writeHead(404, { 'content-type': 'application/json', ...rate() }).end('{"message":"Not Found"}');
      return;
    }
    const stars = options.stars?.get(repo.full_name.toLowerCase()) ?? repo.stargazers_count;
    const etag = `W/"${repo.id}-${stars}"`;
    if (ifNoneMatch === etag) {
      log(304);
      res.writeHead(304, { etag, ...rate() }).end();
      return;
    }
    if (remaining === 0) {
      log(403);
      res.writeHead(403, { 'content-type': 'application/json', ...rate() }).end('{"message":"API rate limit exceeded"}');
      return;
    }
    remaining--;
    log(200);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag, ...rate() }).end(JSON.stringify({ ...repo, stargazers_count: stars, watchers_count: stars }));
  });
  const url = await listen(server);
  return { url, requests, remaining: () => remaining, close: () => closeServer(server) };
}
