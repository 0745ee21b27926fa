import { raw } from 'hono/html';
import type { User } from '../../ports/account-store.ts';

/** One paper in a list, whichever list it comes from. */
export interface Row {
  id: string;
  title: string;
  authors: readonly string[];
  categories: readonly string[];
  date: string | null;
  upvotes: number;
  hfUpvotes?: number | null;
  /** HTML-safe excerpt with <mark>ed terms (from the search engine). */
  snippet?: string;
  /** One line on why the paper is here (score, matched terms). */
  why?: string;
}

export interface Viewer {
  user: User | null;
  csrf: string;
  path: string;
  voted: ReadonlySet<string>;
  saved: ReadonlySet<string>;
}

export const paperPath = (id: string) => `/papers/${id}`;
export const authorSearch = (name: string) => `/search?author=${encodeURIComponent(name)}&sort=date`;

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

export function VoteButton(props: { id: string; upvotes: number; viewer: Viewer }) {
  const voted = props.viewer.voted.has(props.id);
  if (!props.viewer.user) {
    return (
      <a class="vote" href={`/signin?next=${encodeURIComponent(props.viewer.path)}`} title="Sign in to upvote">
        <span aria-hidden="true">▲</span> <span class="count">{props.upvotes}</span><span class="visually-hidden"> upvotes; sign in to upvote</span>
      </a>
    );
  }
  return (
    <form class="vote-form" method="post" action={`${paperPath(props.id)}/vote`} data-paper={props.id}>
      <input type="hidden" name="_csrf" value={props.viewer.csrf} />
      <input type="hidden" name="on" value={voted ? '0' : '1'} />
      <input type="hidden" name="back" value={props.viewer.path} />
      <button type="submit" class="vote" aria-pressed={voted ? 'true' : 'false'} aria-label={`${voted ? 'Remove upvote' : 'Upvote'} (${props.upvotes} upvotes)`}>
        <span aria-hidden="true">▲</span> <span class="count">{props.upvotes}</span>
      </button>
    </form>
  );
}

export function ListButton(props: { id: string; viewer: Viewer; list: 'save' | 'hide'; on: boolean }) {
  if (!props.viewer.user) return null;
  const label = props.list === 'save' ? (props.on ? 'Saved ✓' : 'Save') : props.on ? 'Unhide' : 'Hide';
  return (
    <form class="list-form" method="post" action={`${paperPath(props.id)}/${props.list}`}>
      <input type="hidden" name="_csrf" value={props.viewer.csrf} />
      <input type="hidden" name="on" value={props.on ? '0' : '1'} />
      <input type="hidden" name="back" value={props.viewer.path} />
      <button type="submit" class="small" aria-pressed={props.on ? 'true' : 'false'}>{label}</button>
    </form>
  );
}

export function PaperRow(props: { row: Row; viewer: Viewer; rank?: number }) {
  const { row, viewer } = props;
  return (
    <li class="paper">
      <VoteButton id={row.id} upvotes={row.upvotes} viewer={viewer} />
      <div class="body">
        <h3 class="title"><a href={paperPath(row.id)}>{row.title}</a></h3>
        <p class="meta">
          <Authors authors={row.authors} max={6} />
          {row.date ? <> · <time datetime={row.date}>{row.date}</time></> : null}
          {row.categories.length ? <> · <span class="cats">{row.categories.slice(0, 4).join(' ')}</span></> : null}
          {row.hfUpvotes ? <> · <span title="Hugging Face upvotes">HF ▲{row.hfUpvotes}</span></> : null}
        </p>
        {row.snippet ? <p class="snippet">{raw(row.snippet)}</p> : null}
        {row.why ? <p class="why">{row.why}</p> : null}
        <div class="actions">
          <ListButton id={row.id} viewer={viewer} list="save" on={viewer.saved.has(row.id)} />
          <ListButton id={row.id} viewer={viewer} list="hide" on={false} />
        </div>
      </div>
    </li>
  );
}

export function PaperList(props: { rows: readonly Row[]; viewer: Viewer; start?: number }) {
  return (
    <ol class="papers" start={props.start ?? 1}>
      {props.rows.map((row) => <PaperRow row={row} viewer={props.viewer} />)}
    </ol>
  );
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
