import type { PaperCard } from '../../app/catalog.ts';
import { Pager, PaperList, type Viewer } from './components.tsx';
import { cardRow, type ListExtras } from './pages.tsx';

export function SignInPage(props: { csrf: string; next: string; email?: string; error?: string }) {
  return (
    <section class="narrow">
      <h1>Sign in</h1>
      <p>No password: we email you a link that signs you in. It works once and expires after 20 minutes.</p>
      {props.error ? <p class="error" role="alert">{props.error}</p> : null}
      <form method="post" action="/signin">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="next" value={props.next} />
        <label for="email">Email address</label>
        <input id="email" type="email" name="email" required autocomplete="email" maxlength={254} value={props.email ?? ''} />
        <button type="submit">Email me a sign-in link</button>
      </form>
    </section>
  );
}

export function CheckInboxPage() {
  return (
    <section class="narrow">
      <h1>Check your inbox</h1>
      <p role="status">If the address can receive mail, a sign-in link is on its way. Follow it within 20 minutes, in this browser or another.</p>
    </section>
  );
}

/**
 * The emailed link opens this page, and the button signs in: mail scanners that fetch links do not
 * use the single-use token up.
 */
export function VerifyPage(props: { csrf: string; token: string }) {
  return (
    <section class="narrow">
      <h1>Sign in to Paperboy</h1>
      <form method="post" action="/auth/verify">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="token" value={props.token} />
        <button type="submit" autofocus>Sign in</button>
      </form>
    </section>
  );
}

export function MessagePage(props: { title: string; message: string; action?: { href: string; label: string } }) {
  return (
    <section class="narrow">
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      {props.action ? <p><a href={props.action.href}>{props.action.label}</a></p> : null}
    </section>
  );
}

export function LibraryPage(props: { viewer: Viewer; items: (PaperCard & { addedAt: string })[]; total: number; page: number; limit: number; extras: ListExtras }) {
  return (
    <>
      <h1>Your library</h1>
      <p>{props.total} saved papers.</p>
      <PaperList rows={props.items.map((c) => cardRow(c, props.extras.details))} viewer={props.viewer} start={(props.page - 1) * props.limit + 1} />
      <Pager path="/library" params={new URLSearchParams()} page={props.page} limit={props.limit} total={props.total} />
      <section class="account-box">
        <h2>Account</h2>
        <form method="post" action="/signout/everywhere">
          <input type="hidden" name="_csrf" value={props.viewer.csrf} />
          <button type="submit">Sign out everywhere</button>
        </form>
      </section>
    </>
  );
}
