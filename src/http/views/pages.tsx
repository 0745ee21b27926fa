import type { CardDetails, PaperCard } from '../../app/catalog.ts';
import type { SearchResponse } from '../../app/search/search-engine.ts';
import type { TrendingBasis } from '../../app/trending.ts';
import type { DailyWindow, DateWindow, TrendingPeriod } from '../../core/periods.ts';
import { eachTerm } from '../../core/search/analyzer.ts';
import { DataAsOf, DigestBox, EmptyLibrary, MonthChart, Pager, PaperList, type Row, type Viewer } from './components.tsx';

/** Card details of the papers on a page, and the "data as of" day (null while the data is fresh). */
export interface ListExtras {
  details: ReadonlyMap<string, CardDetails>;
  dataAsOf: string | null;
}

export const cardRow = (c: PaperCard, details?: ReadonlyMap<string, CardDetails>): Row => ({
  id: c.id, title: c.title, authors: c.authors, categories: c.categories, date: c.date, upvotes: c.upvotes, hfUpvotes: c.hfUpvotes,
  ...(details?.get(c.id) ? { details: details.get(c.id)! } : {}),
  why: c.trending.attention > 0 ? `trending ${c.trending.score.toFixed(2)}: ${whyParts(c)}` : undefined,
});

function whyParts(c: PaperCard): string {
  const parts: string[] = [];
  const t = c.trending;
  if (t.basis === 'window') {
    if (t.signals.localVotes) parts.push(`+${t.signals.localVotes} upvotes here`);
    if (t.signals.hfUpvotes) parts.push(`+${t.signals.hfUpvotes} Hugging Face upvotes`);
    if (t.signals.githubStars) parts.push(`+${t.signals.githubStars} GitHub stars`);
    if (t.signals.readers) parts.push(`${t.signals.readers} readers`);
    if (t.signals.saves) parts.push(`${t.signals.saves} saves`);
    return `${parts.join(', ')}; ${Math.floor(t.ageDays)} days old`;
  }
  if (t.parts.localVotes) parts.push(`${c.upvotes} upvotes here`);
  if (t.parts.hfUpvotes) parts.push(`${c.hfUpvotes} Hugging Face upvotes`);
  if (t.parts.githubStars) parts.push(`${c.githubStars} GitHub stars`);
  return `${parts.join(', ')}; ${Math.floor(c.trending.ageDays)} days old`;
}

const PERIODS: { value: TrendingPeriod; label: string }[] = [
  { value: 'day', label: 'Today' },
  { value: 'week', label: 'This week' },
  { value: 'month', label: 'This month' },
];

export function TrendingPage(props: { viewer: Viewer; period: TrendingPeriod; window: DateWindow; items: PaperCard[]; total: number; page: number; limit: number; papers: number; extras: ListExtras; dataDir?: string | undefined; basis?: TrendingBasis }) {
  const params = new URLSearchParams({ period: props.period });
  // No upvotes, stars, readers or saves in the window: the list is the newest papers and says so.
  const newest = props.basis === 'newest' && props.items.length > 0;
  return (
    <>
      <h1>{newest ? 'Newest papers' : 'Trending papers'}</h1>
      <nav class="tabs" aria-label="Period">
        {PERIODS.map((p) => <a href={`/?period=${p.value}`} aria-current={p.value === props.period ? 'page' : undefined}>{p.label}</a>)}
      </nav>
      <p class="window">
        {props.window.from === props.window.to ? props.window.to : `${props.window.from} to ${props.window.to}`} · {props.total} papers · {newest ? 'newest first' : props.basis === 'totals' ? 'ranked by upvotes, Hugging Face upvotes and GitHub stars, decayed by age' : 'ranked by upvotes, stars, readers and saves gained in the period, decayed by age'}
      </p>
      {newest ? <p class="no-signals" role="note">No trending signals in this period (no upvotes, GitHub stars, readers or saves yet): these are the newest papers, not a trending ranking.</p> : null}
      <DataAsOf date={props.extras.dataAsOf} />
      <EmptyLibrary papers={props.papers} dataDir={props.dataDir} />
      {props.papers > 0 && props.items.length === 0 ? <p class="empty">No papers in this period.</p> : null}
      <PaperList rows={props.items.map((c) => cardRow(c, props.extras.details))} viewer={props.viewer} start={(props.page - 1) * props.limit + 1} />
      <Pager path="/" params={params} page={props.page} limit={props.limit} total={props.total} />
      <DigestBox />
    </>
  );
}

export function DailyPage(props: { viewer: Viewer; window: DailyWindow; items: PaperCard[]; total: number; page: number; limit: number; papers: number; extras: ListExtras; dataDir?: string | undefined }) {
  const w = props.window;
  const link = (date: string, view = w.view) => `/daily?date=${date}${view === 'day' ? '' : `&view=${view}`}`;
  const label = w.view === 'day' ? w.date : w.view === 'week' ? `week of ${w.from}` : w.from.slice(0, 7);
  return (
    <>
      <h1>Daily papers: {label}</h1>
      <nav class="tabs" aria-label="View">
        <a href={link(w.date, 'day')} aria-current={w.view === 'day' ? 'page' : undefined}>Day</a>
        <a href={link(w.date, 'week')} aria-current={w.view === 'week' ? 'page' : undefined}>Week</a>
        <a href={link(w.date, 'month')} aria-current={w.view === 'month' ? 'page' : undefined}>Month</a>
      </nav>
      <nav class="pager" aria-label="Dates">
        <a rel="prev" href={link(w.previous)}>← Previous {w.view}</a>
        <span>{w.from === w.to ? w.from : `${w.from} to ${w.to}`} · {props.total} papers</span>
        <a rel="next" href={link(w.next)}>Next {w.view} →</a>
      </nav>
      <DataAsOf date={props.extras.dataAsOf} />
      <EmptyLibrary papers={props.papers} dataDir={props.dataDir} />
      {props.papers > 0 && props.items.length === 0 ? <p class="empty">No papers announced on these days.</p> : null}
      <PaperList rows={props.items.map((c) => cardRow(c, props.extras.details))} viewer={props.viewer} start={(props.page - 1) * props.limit + 1} />
      <Pager path="/daily" params={new URLSearchParams({ date: w.date, view: w.view })} page={props.page} limit={props.limit} total={props.total} />
    </>
  );
}

export interface SearchForm {
  q: string;
  mode: 'hybrid' | 'lexical' | 'semantic';
  sort: 'relevance' | 'date' | 'trending';
  category: string;
  from: string;
  to: string;
  author: string;
}

export function SearchPage(props: { viewer: Viewer; form: SearchForm; result: SearchResponse | null; page: number; limit: number; params: URLSearchParams; feedQuery: string; extras: ListExtras }) {
  const f = props.form;
  const r = props.result;
  const activeFilters = [f.category, f.from, f.to, f.author].filter(Boolean).length + (f.sort !== 'relevance' ? 1 : 0) + (f.mode !== 'hybrid' ? 1 : 0);
  return (
    <>
      <h1>Search</h1>
      <form class="search" method="get" action="/search" role="search">
        <div class="row">
          <label for="q">Query</label>
          <input id="q" type="search" name="q" value={f.q} maxlength={500} placeholder='e.g. "retrieval augmented" ti:diffusion -survey au:hinton' />
          <button type="submit">Search</button>
        </div>
        <input type="checkbox" id="filters-toggle" class="filters-toggle" />
        <label for="filters-toggle" class="filters-toggle-label">Filters{activeFilters ? ` (${activeFilters} set)` : ''}</label>
        <fieldset class="filters">
          <legend>Filters</legend>
          <label>Category <input name="category" value={f.category} placeholder="cs.CL" size={8} /></label>
          <label>From <input type="date" name="from" value={f.from} /></label>
          <label>To <input type="date" name="to" value={f.to} /></label>
          <label>Author <input name="author" value={f.author} size={14} /></label>
          <label>Sort
            <select name="sort">
              {(['relevance', 'date', 'trending'] as const).map((s) => <option value={s} selected={f.sort === s}>{s}</option>)}
            </select>
          </label>
          <label>Mode
            <select name="mode">
              {([['hybrid', 'hybrid'], ['lexical', 'keyword'], ['semantic', 'semantic']] as const).map(([v, l]) => <option value={v} selected={f.mode === v}>{l}</option>)}
            </select>
          </label>
        </fieldset>
        <p class="hint">Syntax: <code>"exact phrase"</code>, <code>-exclude</code>, <code>a OR b</code>, <code>ti:</code> <code>abs:</code> <code>au:</code> <code>cat:cs.CL</code>, or an arXiv id.</p>
      </form>
      {r ? (
        <section aria-live="polite">
          <p class="summary">
            {r.total === 0 ? 'No papers matched.' : `${r.total}${r.total >= 200 ? '+' : ''} papers (${r.mode === 'lexical' ? 'keyword' : r.mode}${r.fusion ? `, ${r.fusion} fusion` : ''})`}
            {' · '}<a href={`/feeds/search.atom?${props.feedQuery}`}>Feed of this search</a>
          </p>
          <DataAsOf date={props.extras.dataAsOf} />
          {r.notices.map((n) => <p class="notice" role="status">{n}</p>)}
          <MonthChart months={r.months} />
          <PaperList
            viewer={props.viewer}
            start={(props.page - 1) * props.limit + 1}
            rows={r.hits.map((h) => ({
              id: h.id, title: h.title, authors: h.authors, categories: h.categories, date: h.date, upvotes: h.signals.localVotes ?? 0, hfUpvotes: h.signals.hfUpvotes ?? null,
              ...(props.extras.details.get(h.id) ? { details: props.extras.details.get(h.id)! } : {}),
              snippet: h.snippet,
              matched: matchedWords(r.query, h.explanation.matchedTerms),
              why: explain(h.explanation),
            }))}
          />
          <Pager path="/search" params={props.params} page={props.page} limit={props.limit} total={r.total} />
        </section>
      ) : null}
      <DigestBox />
    </>
  );
}

/**
 * The query's words, as the reader typed them, whose analysed terms the paper matched (the engine
 * reports stems: "retriev" for "retrieval").
 */
export function matchedWords(query: string, matchedTerms: readonly string[]): string[] {
  if (!matchedTerms.length) return [];
  const terms = new Set(matchedTerms);
  const out: string[] = [];
  const seen = new Set<string>();
  // Operators (ti:, au:, -word, OR) are not words the reader wants to see back.
  for (const word of query.replace(/\b(?:ti|abs|au|cat|id):/gi, ' ').split(/[\s"()]+/)) {
    if (!word || word.startsWith('-') || word === 'OR' || word === 'AND') continue;
    const clean = word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    const key = clean.toLowerCase();
    if (!clean || seen.has(key)) continue;
    let hit = false;
    eachTerm(clean, (term) => {
      if (terms.has(term)) hit = true;
    });
    if (hit) {
      seen.add(key);
      out.push(clean);
    }
  }
  return out;
}

function explain(e: SearchResponse['hits'][number]['explanation']): string {
  const parts: string[] = [];
  if (e.matchedTerms.length) parts.push(`index terms: ${e.matchedTerms.join(', ')}`);
  if (e.lexical) parts.push(`BM25 ${e.lexical.score.toFixed(2)} (#${e.lexical.rank})`);
  if (e.semantic) parts.push(`meaning ${e.semantic.score.toFixed(3)}${e.semantic.rank ? ` (#${e.semantic.rank})` : ''}`);
  return parts.join(' · ');
}
