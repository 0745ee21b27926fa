import type { Page, PaperCard } from '../../app/catalog.ts';
import type { ForYou, ForYouItem } from '../../app/for-you.ts';
import { MY_PAPERS_MAX, type MyPapersResult } from '../../app/for-you-service.ts';
import { ListButton, PaperList, type Row, type Viewer } from './components.tsx';
import { cardRow, type ListExtras } from './pages.tsx';

export interface ForYouView {
  days: 1 | 7;
  sort: 'score' | 'newest';
}

const WINDOWS = [{ days: 1, label: 'Last day' }, { days: 7, label: 'Last week' }] as const;
const SORTS = [{ sort: 'score', label: 'Best first' }, { sort: 'newest', label: 'Newest first' }] as const;

const recommendationRow = (item: ForYouItem, card: PaperCard | undefined, extras: ListExtras): Row => ({
  ...(card ? cardRow(card, extras.details) : { id: item.id, title: item.title, authors: item.authors, categories: item.categories, date: item.date, upvotes: 0 }),
  why: undefined,
  reason: `Score ${item.score.toFixed(2)} · ${item.explanation}`,
  hideLabel: 'Not interested',
});

/** Paste ids or a BibTeX file of the reader's own papers (likes). */
function MyPapersForm(props: { csrf: string }) {
  return (
    <form method="post" action="/for-you/my-papers" enctype="multipart/form-data" class="prefs my-papers">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <fieldset>
        <legend>Papers of your own</legend>
        <p class="hint">Paste arXiv ids or links (one per line, or separated by commas), or a BibTeX file: entries with an arXiv id (eprint, an arxiv.org URL or the arXiv DOI) count as your papers.</p>
        <label for="my-papers-text">arXiv ids or BibTeX</label>
        <textarea id="my-papers-text" name="papers" rows={4} cols={60} maxlength={60000} placeholder={'2401.01234\narXiv:2402.05678'}></textarea>
        <div class="row"><label for="my-papers-file">or a BibTeX file</label><input id="my-papers-file" type="file" name="bibtexFile" accept=".bib,.bibtex,text/x-bibtex,text/plain" /></div>
      </fieldset>
      <div class="actions"><button type="submit">Add my papers</button></div>
    </form>
  );
}

function PrivateFeed(props: { csrf: string; feedUrl: string }) {
  return (
    <section class="private-feed" id="feed" aria-labelledby="feed-h">
      <h2 id="feed-h">Your private feed</h2>
      <p class="hint">These recommendations as an Atom feed for your feed reader. The address is personal: anyone who has it can read your recommendations. Make a new one if it leaked; the old one stops working at once.</p>
      <label for="feed-url">Feed address</label>
      <input id="feed-url" class="feed-url" type="text" readonly value={props.feedUrl} size={60} />
      <form method="post" action="/for-you/feed" class="inline">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit" class="small">Revoke and make a new address</button>
      </form>
    </section>
  );
}

/** The papers the reader hid ("not interested") or declared their own, latest first, each with its undo button. */
function RatedList(props: { id: string; title: string; empty: string; page: Page<PaperCard>; list: 'hide' | 'mine'; viewer: Viewer }) {
  const { items, total } = props.page;
  return (
    <section class="rated" aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title} ({total})</h2>
      {items.length === 0 ? <p class="hint">{props.empty}</p> : (
        <ul class="rated-list">
          {items.map((p) => <li><a href={`/papers/${p.id}`}>{p.title}</a> <ListButton id={p.id} viewer={props.viewer} list={props.list} on={true} /></li>)}
        </ul>
      )}
      {total > items.length ? <p class="hint">The latest {items.length} of {total}.</p> : null}
    </section>
  );
}

/** The reader's recommendations, or the cold-start page while they have rated nothing usable. */
export function ForYouPage(props: { viewer: Viewer; result: ForYou; view: ForYouView; cards: ReadonlyMap<string, PaperCard>; extras: ListExtras; starters: PaperCard[]; feedUrl: string; hidden: Page<PaperCard>; mine: Page<PaperCard> }) {
  const r = props.result;
  const link = (days: number, sort: string) => `/for-you?days=${days}&sort=${sort}`;
  return (
    <>
      <h1>For you</h1>
      <p class="based-on" role="status">Recommendations {r.summary}.</p>
      {r.coldStart ? (
        <section class="cold-start" aria-labelledby="cold-h">
          <h2 id="cold-h">Tell Paperboy what you read</h2>
          <p>{r.notice ? `${r.notice[0]!.toUpperCase()}${r.notice.slice(1)}. ` : ''}Each paper you <strong>save</strong> or <strong>upvote</strong> (▲) counts as a like, each one you hide as a dislike; a few likes are enough to start. Pick from <a href="/?period=week">this week's trending papers</a>, <a href="/search">search</a> for your field, or add papers of your own below.</p>
        </section>
      ) : (
        <>
          <nav class="tabs" aria-label="Window">
            {WINDOWS.map((w) => <a href={link(w.days, props.view.sort)} aria-current={w.days === props.view.days ? 'page' : undefined}>{w.label}</a>)}
          </nav>
          <nav class="tabs" aria-label="Order">
            {SORTS.map((s) => <a href={link(props.view.days, s.sort)} aria-current={s.sort === props.view.sort ? 'page' : undefined}>{s.label}</a>)}
          </nav>
          <p class="window">
            {r.window.from === r.window.to ? r.window.to : `${r.window.from} to ${r.window.to}`} · {r.candidates} new papers ranked{r.unembedded ? ` (${r.unembedded} not embedded yet)` : ''} · {props.view.sort === 'newest' ? 'the best ones, newest first' : 'best first'}
          </p>
          {r.items.length === 0 ? <p class="empty">No new papers in this window.</p> : (
            <PaperList rows={r.items.map((i) => recommendationRow(i, props.cards.get(i.id), props.extras))} viewer={props.viewer} />
          )}
        </>
      )}
      {r.fewRatings && props.starters.length > 0 ? (
        <section class="starters" aria-labelledby="starters-h">
          <h2 id="starters-h">{r.coldStart ? 'Papers to rate' : 'Rate a few more'}</h2>
          <p class="hint">Recent papers: save or upvote the ones you would read{r.coldStart ? '' : '; the more you rate, the better the recommendations'}.</p>
          <PaperList rows={props.starters.map((c) => cardRow(c, props.extras.details))} viewer={props.viewer} heading={3} />
        </section>
      ) : null}
      <MyPapersForm csrf={props.viewer.csrf} />
      <RatedList id="mine" title="My papers" empty="None yet: add them with the form above." page={props.mine} list="mine" viewer={props.viewer} />
      <RatedList id="hidden" title="Hidden papers" empty="None: the papers you hide (from any list, or from your recommendations) are listed here, to unhide." page={props.hidden} list="hide" viewer={props.viewer} />
      <PrivateFeed csrf={props.viewer.csrf} feedUrl={props.feedUrl} />
    </>
  );
}

const SHOWN = 20;
/** "a, b, c" or, past {@link SHOWN}, "a, b, … and 5 more". */
const firstOf = (names: readonly string[]) => `${names.slice(0, SHOWN).join(', ')}${names.length > SHOWN ? ` and ${names.length - SHOWN} more` : ''}`;

/** What adding "my papers" did. */
export function MyPapersAdded(props: { result: MyPapersResult }) {
  const r = props.result;
  return (
    <section class="narrow">
      <h1>Your papers</h1>
      <p role="status">{r.added.length === 0 ? 'No paper was added.' : `${r.added.length} paper${r.added.length === 1 ? '' : 's'} added to your papers: ${r.added.join(', ')}.`}</p>
      {r.unknown.length ? <p>Not in this database (yet): {firstOf(r.unknown)}.</p> : null}
      {r.leftOut ? <p role="alert">Only the first {MY_PAPERS_MAX} ids are read at once: {r.leftOut} more were left out; add them in another request.</p> : null}
      {r.entriesWithoutId.length ? <p>BibTeX entries without an arXiv id (left out): {firstOf(r.entriesWithoutId)}.</p> : null}
      {r.notIds.length ? <p>Not paper ids (left out): {firstOf(r.notIds)}.</p> : null}
      <p><a href="/for-you">See your recommendations</a></p>
    </section>
  );
}
