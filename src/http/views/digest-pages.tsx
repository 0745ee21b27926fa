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
const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

export function PreferencesPage(props: { csrf: string; token: string; subscriber: Subscriber; topics: Topic[]; saved?: boolean }) {
  const s = props.subscriber;
  const active = s.status === 'active';
  return (
    <section>
      <h1>Digest preferences</h1>
      <p>For <strong>{s.email}</strong> · {active ? 'subscribed' : s.status === 'undeliverable' ? 'mail to this address keeps failing: digests are paused' : 'not subscribed'}</p>
      {props.saved ? <p class="notice" role="status">Saved.</p> : null}
      <form method="post" action="/preferences" class="prefs">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="token" value={props.token} />
        <input type="hidden" name="action" value="save" />
        <label><input type="checkbox" name="dailyTrending" value="1" checked={s.dailyTrending} /> Daily trending papers</label>
        <label>Send from <select name="sendHour">{HOURS.map((h) => <option value={String(h)} selected={h === s.sendHour}>{`${String(h).padStart(2, '0')}:00`}</option>)}</select></label>
        <label>Time zone <select name="timeZone">{ZONES.map((z) => <option value={z} selected={z === s.timeZone}>{z}</option>)}</select></label>
        <label><input type="checkbox" name="skipWeekends" value="1" checked={s.skipWeekends} /> Skip weekends</label>
        <label>At most <input type="number" name="maxPapers" min={1} max={50} value={String(s.maxPapers)} /> papers per mail</label>
        <button type="submit">Save</button>
      </form>
      <h2>Topic alerts</h2>
      {props.topics.length === 0 ? <p>No topics yet.</p> : (
        <ul class="topics">
          {props.topics.map((t) => (
            <li>
              {topicTitle(t)} · {t.frequency}
              <form method="post" action="/preferences" class="inline">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <input type="hidden" name="token" value={props.token} />
                <input type="hidden" name="action" value="remove-topic" />
                <input type="hidden" name="topicId" value={String(t.id)} />
                <button type="submit" class="small">Remove</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action="/preferences" class="prefs">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="token" value={props.token} />
        <input type="hidden" name="action" value="add-topic" />
        <label>Follow <select name="kind"><option value="search">a search</option><option value="category">a category</option><option value="author">an author</option></select></label>
        <label>Query, category or author <input name="query" required maxlength={300} /></label>
        <label>Category filter (searches) <input name="category" placeholder="cs.CL" size={8} /></label>
        <label>Frequency <select name="frequency"><option value="daily">daily</option><option value="weekly">weekly (Mondays)</option></select></label>
        <button type="submit">Add topic</button>
      </form>
      {active ? (
        <form method="post" action="/preferences">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="token" value={props.token} />
          <input type="hidden" name="action" value="unsubscribe" />
          <button type="submit">Unsubscribe from everything</button>
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
