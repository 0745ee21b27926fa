import type { Preferences, Subscriber, Topic } from '../../ports/subscription-store.ts';
import { topicTitle } from '../../app/digests.ts';

export function SubscribePage(props: { csrf: string; email?: string; error?: string }) {
  return (
    <section class="narrow">
      <h1>Trending papers in your inbox</h1>
      <p>One mail a day with the papers that trend, and alerts for the searches, categories and authors you follow. No account needed; every mail has a one-click unsubscribe link.</p>
      {props.error ? <p class="error" role="alert">{props.error}</p> : null}
      <form method="post" action="/subscribe">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <label for="sub-email">Email address</label>
        <input id="sub-email" type="email" name="email" required autocomplete="email" maxlength={254} value={props.email ?? ''} />
        {/* Filled with the browser's time zone by public/app.js; without JS the digest uses UTC until chosen. */}
        <input type="hidden" name="timeZone" value="" data-browser-zone="fill" />
        <button type="submit">Subscribe</button>
      </form>
      <p class="hint">We send one confirmation mail; nothing else until you follow its link.</p>
    </section>
  );
}

export function ConfirmPage(props: { csrf: string; token: string }) {
  return (
    <section class="narrow">
      <h1>Confirm your subscription</h1>
      <form method="post" action="/subscribe/confirm">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">Confirm</button>
      </form>
    </section>
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);
// Intl lists the IANA zones without UTC itself: UTC goes first, and is the default.
const ZONES = ['UTC', ...(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC') : [])];

/** `jane@example.org` → `j***@example.org`: enough to recognise, not enough to learn the address. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function Hidden(props: { csrf: string; token: string; action: string }) {
  return (
    <>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="token" value={props.token} />
      <input type="hidden" name="action" value={props.action} />
    </>
  );
}

/**
 * `recommendations`: whether the server offers the "Recommended for you" section; `privateFeed`:
 * the subscription belongs to an account, whose private feed is on the For you page (never shown
 * here: this page opens with the link of any digest); `owner`: that account is signed in (it may
 * revoke the feed's address from here too).
 */
export function PreferencesPage(props: { csrf: string; token: string; subscriber: Subscriber; topics: Topic[]; maxTopics: number; saved?: boolean; recommendations?: boolean; privateFeed?: boolean; owner?: boolean }) {
  const s = props.subscriber;
  const active = s.status === 'active';
  const zones = ZONES.includes(s.timeZone) ? ZONES : [s.timeZone, ...ZONES];
  const full = props.topics.length >= props.maxTopics;
  return (
    <section class="preferences">
      <h1>Digest preferences</h1>
      <p>For <strong>{s.email}</strong> · {active ? 'subscribed' : s.status === 'undeliverable' ? 'mail to this address keeps failing: digests are paused' : 'not subscribed'}</p>
      {props.saved ? <p class="notice" role="status">Saved.</p> : null}
      <form method="post" action="/preferences" class="prefs">
        <Hidden csrf={props.csrf} token={props.token} action="save" />
        <fieldset>
          <legend>Daily mail</legend>
          <div class="check"><input id="pref-trending" type="checkbox" name="dailyTrending" value="1" checked={s.dailyTrending} /><label for="pref-trending">Daily trending papers</label></div>
          {props.recommendations && s.userId !== null ? (
            <div class="check"><input id="pref-recommended" type="checkbox" name="recommendations" value="1" checked={s.recommendations} /><label for="pref-recommended">Recommended for you (learned from the papers you save, upvote and hide; never a paper twice)</label></div>
          ) : null}
          <div class="check"><input id="pref-weekends" type="checkbox" name="skipWeekends" value="1" checked={s.skipWeekends} /><label for="pref-weekends">Skip weekends</label></div>
          <div class="row"><label for="pref-hour">Send from</label><select id="pref-hour" name="sendHour">{HOURS.map((h) => <option value={String(h)} selected={h === s.sendHour}>{`${String(h).padStart(2, '0')}:00`}</option>)}</select></div>
          <div class="row">
            <label for="pref-zone">Time zone</label>
            {/* data-browser-zone: public/app.js selects the browser's zone while none was chosen. */}
            <select id="pref-zone" name="timeZone" data-browser-zone={s.timeZoneChosen ? undefined : 'suggest'}>{zones.map((z) => <option value={z} selected={z === s.timeZone}>{z}</option>)}</select>
          </div>
          <div class="row"><label for="pref-max">Papers per mail, at most</label><input id="pref-max" type="number" name="maxPapers" min={1} max={50} value={String(s.maxPapers)} /></div>
        </fieldset>
        <div class="actions"><button type="submit">Save preferences</button></div>
      </form>
      {props.recommendations && s.userId === null ? <p class="hint">Recommendations for you need an account: sign in with this address, then subscribe with it again from the <a href="/subscribe">subscribe page</a> (no new confirmation is needed) to link this subscription to your account.</p> : null}
      {props.privateFeed ? (
        <section class="private-feed" id="feed" aria-labelledby="feed-h">
          <h2 id="feed-h">Your private “For you” feed</h2>
          <p class="hint">Its address is on <a href="/for-you#feed">your For you page</a> (signed in).</p>
          {props.owner ? (
            <form method="post" action="/preferences" class="inline">
              <Hidden csrf={props.csrf} token={props.token} action="renew-feed" />
              <button type="submit" class="small">Revoke the feed address and make a new one</button>
            </form>
          ) : null}
        </section>
      ) : null}
      <h2>Topic alerts</h2>
      <p class="hint">{props.topics.length} of at most {props.maxTopics} topics.</p>
      {props.topics.length === 0 ? <p>No topics yet.</p> : (
        <ul class="topics">
          {props.topics.map((t) => (
            <li>
              <span>{topicTitle(t)} · {t.frequency}</span>
              <form method="post" action="/preferences" class="inline">
                <Hidden csrf={props.csrf} token={props.token} action="remove-topic" />
                <input type="hidden" name="topicId" value={String(t.id)} />
                <button type="submit" class="small">Remove</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      {full ? <p class="notice">You follow {props.maxTopics} topics, the most a subscription may have: remove one to add another.</p> : (
        <form method="post" action="/preferences" class="prefs">
          <Hidden csrf={props.csrf} token={props.token} action="add-topic" />
          <fieldset>
            <legend>Follow a topic</legend>
            <div class="row"><label for="topic-kind">Follow</label><select id="topic-kind" name="kind"><option value="search">a search</option><option value="category">a category</option><option value="author">an author</option></select></div>
            <div class="row"><label for="topic-query">Query, category or author</label><input id="topic-query" name="query" required maxlength={300} /></div>
            <div class="row"><label for="topic-category">Category filter (searches)</label><input id="topic-category" name="category" placeholder="cs.CL" size={8} /></div>
            <div class="row"><label for="topic-frequency">Frequency</label><select id="topic-frequency" name="frequency"><option value="daily">daily</option><option value="weekly">weekly (Mondays)</option></select></div>
          </fieldset>
          <div class="actions"><button type="submit">Add topic</button></div>
        </form>
      )}
      {active ? (
        <form method="post" action="/preferences" class="danger-zone">
          <Hidden csrf={props.csrf} token={props.token} action="unsubscribe" />
          <h2>Stop all mail</h2>
          <p class="hint">No more digests or topic alerts to this address. You can subscribe again at any time.</p>
          <button type="submit" class="danger">Unsubscribe from everything</button>
        </form>
      ) : null}
    </section>
  );
}

export function UnsubscribePage(props: { token: string; csrf: string }) {
  return (
    <section class="narrow">
      <h1>Unsubscribe</h1>
      <form method="post" action={`/unsubscribe?token=${encodeURIComponent(props.token)}`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit">Unsubscribe</button>
      </form>
    </section>
  );
}

export type { Preferences };
