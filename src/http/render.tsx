import type { Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { AppEnv } from './security.ts';
import { Layout, type LayoutProps } from './views/layout.tsx';

type Ctx = Context<AppEnv>;

/** Path and query of the request, for links back to it. */
export const pathOf = (c: Ctx) => {
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
};

/** A whole HTML page in the site layout, with the reader, CSRF token and current path filled in. */
export async function renderPage(c: Ctx, props: Omit<LayoutProps, 'user' | 'csrf' | 'path'>, status: 200 | 400 | 403 | 404 | 413 | 429 | 500 = 200) {
  const element = Layout({ ...props, user: c.get('user') ?? null, csrf: c.get('csrfToken') ?? '', path: pathOf(c) }) as JSX.Element;
  return c.html(`<!doctype html>${await element.toString()}`, status);
}

