import { raw } from 'hono/html';
import type { CardDetails } from '../../app/catalog.ts';
import { paperPath } from '../../core/paper-url.ts';
import type { User } from '../../ports/account-store.ts';
import { renderSnippetMath, renderWithMath } from './math.ts';

/** One paper in a list, whichever list it comes from. */
export interface Row {
  id: string;
  title: string;
  authors: readonly string[];
  categories: readonly string[];
  date: string | null;
  upvotes: number;
  hfUpvotes?: number | null;
  /** Summary line, rest of the abstract, code link (catalog.details). */
  details?: CardDetails;
  /** HTML-safe excerpt with <mark>ed terms (from the search engine); replaces the summary line. */
  snippet?: string;
  /** Query words (as the reader typed them) found in the paper. */
  matched?: readonly string[];
  /** Why the paper is here (scores), behind a toggle. */
  why?: string;
  /** Why the paper is here, shown on the card (a recommendation's "because you saved …" and score). */
  reason?: string;
  /** The hide button's words ("Not interested" on a recommendation). */
  hideLabel?: string;
}

export interface Viewer {
  user: User | null;
  csrf: string;
  path: string;
  voted: ReadonlySet<string>;
  saved: ReadonlySet<string>;
}

export const authorSearch = (name: string) => `/search?author=${encodeURIComponent(name)}&sort=date`;
export const categorySearch = (category: string) => `/search?category=${encodeURIComponent(category)}&sort=date`;

/** The HTML id of a paper's card: forms posted from a list come back to it (`#p-2401.00101`). */
export const cardAnchor = (id: string) => `p-${id.replace(/[^A-Za-z0-9.:-]/gu, (c) => `_${c.codePointAt(0)!.toString(16)}_`)}`;

/** 1234 → "1.2k". */
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function Authors(props: { authors: readonly string[]; max?: number }) {
  const max = props.max ?? 8;
  const shown = props.authors.slice(0, max);
  return (
    <span class="authors">
      {shown.map((name, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={authorSearch(name)}>{name}</a>
        </>
      ))}
      {props.authors.length > max ? ` and ${props.authors.length - max} more` : ''}
    </span>
  );
}

/** Where a form posted from this card sends the reader back: the same page, at the same card. */
const backTo = (viewer: Viewer, anchor?: string) => (anchor ? `${viewer.path.split('#')[0]}#${anchor}` : viewer.path);

export function VoteButton(props: { id: string; upvotes: number; viewer: Viewer; anchor?: string }) {
  const voted = props.viewer.voted.has(props.id);
  if (!props.viewer.user) {
    return (
      <a class="vote" href={`/signin?next=${encodeURIComponent(backTo(props.viewer, props.anchor))}`} title="Sign in to upvote">
        <span aria-hidden="true">▲</span> <span class="count">{props.upvotes}</span><span class="visually-hidden"> upvotes; sign in to upvote</span>
      </a>
    );
  }
  return (
    <form class="vote-form" method="post" action={`${paperPath(props.id)}/vote`} data-paper={props.id}>
      <input type="hidden" name="_csrf" value={props.viewer.csrf} />
      <input type="hidden" name="on" value={voted ? '0' : '1'} />
      <input type="hidden" name="back" value={backTo(props.viewer, props.anchor)} />
      <button type="submit" class="vote" aria-pressed={voted ? 'true' : 'false'}>
        <span class="visually-hidden action">{voted ? 'Remove upvote: ' : 'Upvote: '}</span><span aria-hidden="true">▲</span> <span class="count">{props.upvotes}</span><span class="visually-hidden"> upvotes</span>
      </button>
    </form>
  );
}

const LIST_LABELS = { save: ['Save', 'Saved ✓'], hide: ['Hide', 'Unhide'], mine: ['Add to my papers', 'Remove from my papers'] } as const;

export function ListButton(props: { id: string; viewer: Viewer; list: 'save' | 'hide' | 'mine'; on: boolean; anchor?: string; label?: string | undefined }) {
  if (!props.viewer.user) return null;
  const label = props.label ?? LIST_LABELS[props.list][props.on ? 1 : 0];
  return (
    <form class="list-form" method="post" action={`${paperPath(props.id)}/${props.list}`}>
      <input type="hidden" name="_csrf" value={props.viewer.csrf} />
      <input type="hidden" name="on" value={props.on ? '0' : '1'} />
      <input type="hidden" name="back" value={backTo(props.viewer, props.list === 'save' ? props.anchor : undefined)} />
      <button type="submit" class="small" aria-pressed={props.on ? 'true' : 'false'}>{label}</button>
    </form>
  );
}

/** The summary line (or search snippet), with the rest of the abstract behind a toggle that works without script. */
function Gist(props: { row: Row }) {
  const { row } = props;
  const d = row.details;
  const line = row.snippet !== undefined ? renderSnippetMath(row.snippet) : d ? renderWithMath(d.summary) : '';
  if (!line) return null;
  const more = row.snippet !== undefined ? d?.abstract ?? '' : d?.more ?? '';
  const label = d?.summarySource === 'huggingface' && row.snippet === undefined
    ? <span class="tag" title="Summary written by Hugging Face's AI">AI summary</span>
    : null;
  if (!more) return <p class="gist">{label}{raw(line)}</p>;
  return (
    <details class="gist">
      <summary>{label}<span class="line">{raw(line)}</span></summary>
      <div class="more">{raw(renderWithMath(more))}</div>
    </details>
  );
}

export function PaperRow(props: { row: Row; viewer: Viewer; heading: 2 | 3 }) {
  const { row, viewer } = props;
  const anchor = cardAnchor(row.id);
  const Heading = props.heading === 2 ? 'h2' : 'h3';
  const code = row.details?.code;
  const stars = row.details?.githubStars;
  return (
    <li class="paper" id={anchor}>
      <VoteButton id={row.id} upvotes={row.upvotes} viewer={viewer} anchor={anchor} />
      <div class="body">
        <Heading class="title"><a href={paperPath(row.id)}>{raw(renderWithMath(row.title))}</a></Heading>
        <p class="meta">
          <Authors authors={row.authors} max={6} />
          {row.date ? <> · <time datetime={row.date}>{row.date}</time></> : null}
          {' '}
          {row.categories.slice(0, 4).map((c) => <a class="cat" href={categorySearch(c)}>{c}</a>)}
          {row.hfUpvotes ? <span class="fact" title="Hugging Face upvotes">HF ▲ {row.hfUpvotes}</span> : null}
          {code ? <a class="fact code" href={code} rel="nofollow noopener">Code{stars ? <> · ★ {compact.format(stars)}<span class="visually-hidden"> GitHub stars</span></> : null}</a> : null}
        </p>
        <Gist row={row} />
        {row.reason ? <p class="reason">{row.reason}</p> : null}
        <div class="actions">
          <ListButton id={row.id} viewer={viewer} list="save" on={viewer.saved.has(row.id)} anchor={anchor} />
          <ListButton id={row.id} viewer={viewer} list="hide" on={false} label={row.hideLabel} />
          {row.why ? (
            <details class="why">
              <summary>{row.matched?.length ? <>Matches: {row.matched.map((w, i) => <>{i > 0 ? ', ' : ''}<b>{w}</b></>)}</> : 'Why this paper'}</summary>
              <p>{row.why}</p>
            </details>
          ) : null}
        </div>
      </div>
    </li>
  );
}

/** Papers as cards; `heading` is the level of their titles (2 under the page's h1, 3 under an h2). */
export function PaperList(props: { rows: readonly Row[]; viewer: Viewer; start?: number; heading?: 2 | 3 }) {
  return (
    <ol class="papers" start={props.start ?? 1}>
      {props.rows.map((row) => <PaperRow row={row} viewer={props.viewer} heading={props.heading ?? 2} />)}
    </ol>
  );
}

/** "Data as of DATE" when the newest paper is more than two days old. */
export function DataAsOf(props: { date: string | null }) {
  if (!props.date) return null;
  return <p class="notice stale" role="status">Data as of {props.date}: no newer papers have been imported yet.</p>;
}

/** Previous / next links that keep the other query parameters. */
export function Pager(props: { path: string; params: URLSearchParams; page: number; limit: number; total: number }) {
  const pages = Math.max(1, Math.ceil(props.total / props.limit));
  if (pages <= 1) return null;
  const link = (page: number) => {
    const p = new URLSearchParams(props.params);
    p.set('page', String(page));
    return `${props.path}?${p}`;
  };
  return (
    <nav class="pager" aria-label="Pages">
      {props.page > 1 ? <a rel="prev" href={link(props.page - 1)}>← Previous</a> : null}
      <span>Page {props.page} of {pages}</span>
      {props.page < pages ? <a rel="next" href={link(props.page + 1)}>Next →</a> : null}
    </nav>
  );
}

/** Matching papers per month as an SVG bar chart (no script, works under the strict CSP). */
export function MonthChart(props: { months: readonly { month: string; papers: number }[] }) {
  const months = props.months.slice(-36);
  if (months.length < 2) return null;
  const max = Math.max(...months.map((m) => m.papers));
  const barWidth = 10;
  const height = 48;
  const summary = months.map((m) => `${m.month}: ${m.papers}`).join(', ');
  return (
    <figure class="chart">
      <svg role="img" aria-label={`Matching papers per month: ${summary}`} viewBox={`0 0 ${months.length * (barWidth + 2)} ${height + 2}`} width={months.length * (barWidth + 2)} height={height + 2}>
        {months.map((m, i) => {
          const h = Math.max(1, Math.round((m.papers / max) * height));
          return (
            <rect x={i * (barWidth + 2)} y={height - h + 1} width={barWidth} height={h} class="bar">
              <title>{`${m.month}: ${m.papers}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>Matches per month, {months[0]!.month} to {months[months.length - 1]!.month}</figcaption>
    </figure>
  );
}

export function DigestBox() {
  return (
    <aside class="digest-box" aria-label="Daily digest">
      <p>Get trending papers in your email inbox once a day!</p>
      <a class="button" href="/subscribe">Subscribe</a>
    </aside>
  );
}

/** A word for a POSIX shell: as is when safe, else single-quoted. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

export function EmptyLibrary(props: { papers: number; dataDir?: string | undefined }) {
  if (props.papers > 0) return null;
  // The commands name the data directory this server reads, so that they fill this database.
  const paperboy = `npx paperboy${props.dataDir ? ` --data ${shellWord(props.dataDir)}` : ''}`;
  return (
    <section class="empty">
      <h2>No papers yet</h2>
      <p>This Paperboy has an empty database. In the Paperboy folder, import the starter corpus shipped with it (4,232 recent arXiv papers), harvest new papers from arXiv, or import a file, then reload:</p>
      <pre><code>{`${paperboy} import --starter\n${paperboy} harvest --set cs\n${paperboy} import FILE   # arXiv snapshot, OAI-PMH, Atom, Hugging Face daily papers, JSON Lines`}</code></pre>
      <p>The README says where to get more data (the arXiv bulk snapshot, Hugging Face daily papers) and docs/formats.md lists the formats.</p>
    </section>
  );
}
