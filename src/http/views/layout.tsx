import type { Child } from 'hono/jsx';
import type { User } from '../../ports/account-store.ts';

export interface LayoutProps {
  title: string;
  user: User | null;
  csrf: string;
  /** Current path with query, for "back" after sign-in and forms. */
  path: string;
  query?: string;
  feeds?: { atom: string; rss: string; json: string };
  description?: string;
  /** A class on <body> for page-specific layout (the search page hides the header's query box on phones). */
  bodyClass?: string;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content={props.csrf} />
        <title>{props.title === 'Paperboy' ? 'Paperboy' : `${props.title} · Paperboy`}</title>
        {props.description ? <meta name="description" content={props.description} /> : null}
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
        {props.feeds ? (
          <>
            <link rel="alternate" type="application/atom+xml" title={`${props.title} (Atom)`} href={props.feeds.atom} />
            <link rel="alternate" type="application/rss+xml" title={`${props.title} (RSS)`} href={props.feeds.rss} />
            <link rel="alternate" type="application/feed+json" title={`${props.title} (JSON Feed)`} href={props.feeds.json} />
          </>
        ) : null}
        <script src="/assets/app.js" defer></script>
      </head>
      <body class={props.bodyClass}>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <a class="brand" href="/">Paperboy</a>
          <nav aria-label="Main">
            <a href="/">Trending</a>
            <a href="/daily">Daily</a>
            <a href="/search">Search</a>
            {props.user ? <a href="/for-you">For you</a> : null}
            {props.user ? <a href="/library">Library</a> : null}
          </nav>
          <form class="quick-search" role="search" method="get" action="/search">
            <label class="visually-hidden" for="site-q">Search papers</label>
            <input id="site-q" type="search" name="q" value={props.query ?? ''} placeholder="Search papers" maxlength={500} />
          </form>
          <div class="account">
            {props.user ? (
              <form method="post" action="/signout">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <span class="who">{props.user.email}</span> <button type="submit" class="link">Sign out</button>
              </form>
            ) : (
              <a href={`/signin?next=${encodeURIComponent(props.path)}`}>Sign in</a>
            )}
          </div>
        </header>
        <main id="main" tabindex={-1}>{props.children}</main>
        <footer class="site">
          <p>
            Paperboy — self-hosted paper discovery. <a href="/api/openapi.json">API</a>
            {props.feeds ? (
              <>
                {' · Feed: '}<a href={props.feeds.atom}>Atom</a> <a href={props.feeds.rss}>RSS</a> <a href={props.feeds.json}>JSON</a>
              </>
            ) : null}
          </p>
        </footer>
      </body>
    </html>
  );
}
