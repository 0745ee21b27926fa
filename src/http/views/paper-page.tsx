import { raw } from 'hono/html';
import type { CardDetails, PaperCard } from '../../app/catalog.ts';
import type { SearchHit } from '../../app/search/search-engine.ts';
import { bibtex } from '../../core/bibtex.ts';
import type { StoredPaper } from '../../core/paper.ts';
import { paperUrl } from '../../core/paper-url.ts';
import { TRENDING_DEFAULTS } from '../../core/trending.ts';
import { Authors, ListButton, PaperList, VoteButton, type Viewer } from './components.tsx';
import { renderWithMath } from './math.ts';

const SIGNAL_LABELS: Record<string, string> = { 'huggingface.upvotes': 'Hugging Face upvotes', 'huggingface.comments': 'Hugging Face comments', 'github.stars': 'GitHub stars' };

export function PaperPage(props: { viewer: Viewer; paper: StoredPaper; card: PaperCard | null; similar: SearchHit[]; similarMode: string; similarDetails: ReadonlyMap<string, CardDetails>; baseUrl: string; hidden: boolean }) {
  const { paper, card, viewer } = props;
  const links = paper.links;
  const date = paper.announcedAt ?? paper.submittedAt?.slice(0, 10) ?? null;
  // Only when the paper has attention to explain: a table of zeros says nothing.
  const t = card?.trending && card.trending.attention > 0 ? card.trending : undefined;
  return (
    <article class="paper-page">
      <header>
        <p class="ids">
          <span>{paper.id}{paper.version ? `v${paper.version}` : ''}</span>
          {paper.categories.map((c) => <a class="cat" href={`/search?category=${encodeURIComponent(c)}&sort=date`}>{c}</a>)}
        </p>
        <h1>{raw(renderWithMath(paper.title))}</h1>
        <p class="authors-line"><Authors authors={paper.authors} max={50} /></p>
        <dl class="dates">
          {paper.submittedAt ? <><dt>Submitted</dt><dd><time datetime={paper.submittedAt}>{paper.submittedAt.slice(0, 10)}</time></dd></> : null}
          {paper.announcedAt ? <><dt>Announced</dt><dd><time datetime={paper.announcedAt}>{paper.announcedAt}</time></dd></> : null}
          {paper.updatedAt && paper.updatedAt !== paper.submittedAt ? <><dt>Updated</dt><dd><time datetime={paper.updatedAt}>{paper.updatedAt.slice(0, 10)}</time></dd></> : null}
        </dl>
        <div class="paper-actions">
          <VoteButton id={paper.id} upvotes={card?.upvotes ?? 0} viewer={viewer} />
          <ListButton id={paper.id} viewer={viewer} list="save" on={viewer.saved.has(paper.id)} />
          <ListButton id={paper.id} viewer={viewer} list="hide" on={props.hidden} />
        </div>
      </header>
      <nav class="links" aria-label="Links">
        {links.abs ? <a href={links.abs}>arXiv abstract</a> : null}
        {links.pdf ? <a href={links.pdf}>PDF</a> : null}
        {links.html ? <a href={links.html}>HTML</a> : null}
        {links.code ? <a href={links.code}>Code</a> : null}
        {links.project ? <a href={links.project}>Project page</a> : null}
      </nav>
      <section aria-labelledby="abstract-h">
        <h2 id="abstract-h">Abstract</h2>
        <div class="abstract">{raw(renderWithMath(paper.abstract || '(no abstract)'))}</div>
        {paper.comments ? <p class="comments">Comments: {paper.comments}</p> : null}
        {paper.journalRef ? <p class="comments">Journal reference: {paper.journalRef}</p> : null}
        {paper.doi ? <p class="comments">DOI: <a href={`https://doi.org/${encodeURIComponent(paper.doi).replace(/%2F/g, '/')}`}>{paper.doi}</a></p> : null}
      </section>
      {t ? (
        <section aria-labelledby="trending-h" class="trending-why">
          <h2 id="trending-h">Why trending</h2>
          <p>{t.basis === 'window' ? 'Attention gained in the last 7 days' : 'Attention received so far'}. Score <strong>{t.score.toFixed(3)}</strong> = attention {t.attention.toFixed(2)} / (age {t.ageDays.toFixed(1)} days + {TRENDING_DEFAULTS.offsetDays})<sup>{TRENDING_DEFAULTS.gravity}</sup></p>
          <table>
            <thead><tr><th scope="col">Signal</th><th scope="col">Value</th><th scope="col">Weight</th><th scope="col">Contribution</th></tr></thead>
            <tbody>
              {t.basis === 'window' ? (
                <>
                  {t.signals.localVotes ? <tr><td>New upvotes on Paperboy</td><td>{t.signals.localVotes}</td><td>{TRENDING_DEFAULTS.votesWeight} each</td><td>{t.parts.localVotes.toFixed(2)}</td></tr> : null}
                  {t.signals.hfUpvotes ? <tr><td>New Hugging Face upvotes</td><td>{t.signals.hfUpvotes}</td><td>{TRENDING_DEFAULTS.hfWeight} each</td><td>{t.parts.hfUpvotes.toFixed(2)}</td></tr> : null}
                  {t.signals.githubStars ? <tr><td>GitHub stars gained</td><td>{t.signals.githubStars}</td><td>{TRENDING_DEFAULTS.starsWeight} × log2(1 + stars)</td><td>{t.parts.githubStars.toFixed(2)}</td></tr> : null}
                  {t.signals.readers ? <tr><td>Readers (distinct, per day)</td><td>{t.signals.readers}</td><td>{TRENDING_DEFAULTS.readersWeight} × log2(1 + readers)</td><td>{t.parts.readers.toFixed(2)}</td></tr> : null}
                  {t.signals.saves ? <tr><td>Saved to a library</td><td>{t.signals.saves}</td><td>{TRENDING_DEFAULTS.savesWeight} each</td><td>{t.parts.saves.toFixed(2)}</td></tr> : null}
                </>
              ) : (
                <>
                  <tr><td>Upvotes on Paperboy</td><td>{card?.upvotes ?? 0}</td><td>{TRENDING_DEFAULTS.votesWeight} each</td><td>{t.parts.localVotes.toFixed(2)}</td></tr>
                  <tr><td>Hugging Face upvotes</td><td>{card?.hfUpvotes ?? '—'}</td><td>{TRENDING_DEFAULTS.hfWeight} each</td><td>{t.parts.hfUpvotes.toFixed(2)}</td></tr>
                  <tr><td>GitHub stars</td><td>{card?.githubStars ?? '—'}</td><td>{TRENDING_DEFAULTS.starsWeight} × log2(1 + stars)</td><td>{t.parts.githubStars.toFixed(2)}</td></tr>
                </>
              )}
            </tbody>
          </table>
          {paper.signals.length ? (
            <p class="sources">Imported signals: {paper.signals.filter((s) => typeof s.value === 'number').map((s) => `${SIGNAL_LABELS[`${s.source}.${s.name}`] ?? `${s.source} ${s.name}`} ${String(s.value)} (from ${s.source}, seen ${s.observedAt.slice(0, 10)})`).join('; ')}</p>
          ) : null}
        </section>
      ) : null}
      <section aria-labelledby="bibtex-h">
        <h2 id="bibtex-h">Cite</h2>
        <pre class="bibtex" id="bibtex" tabindex={0}>{bibtex({ id: paper.id, title: paper.title, authors: paper.authors, date: date, primaryCategory: paper.primaryCategory, doi: paper.doi, ...(links.abs ? { url: links.abs } : { url: paperUrl(props.baseUrl, paper.id) }) })}</pre>
        <button type="button" class="copy" data-copy="bibtex" hidden>Copy BibTeX</button>
      </section>
      <section aria-labelledby="similar-h">
        <h2 id="similar-h">Similar papers</h2>
        <p class="hint">{props.similarMode === 'semantic' ? 'Nearest by meaning (sentence embeddings).' : 'Nearest by shared words (no embedding for this paper yet).'}</p>
        <PaperList heading={3} viewer={viewer} rows={props.similar.map((h) => ({
          id: h.id, title: h.title, authors: h.authors, categories: h.categories, date: h.date, upvotes: h.signals.localVotes ?? 0, hfUpvotes: h.signals.hfUpvotes ?? null,
          ...(props.similarDetails.get(h.id) ? { details: props.similarDetails.get(h.id)! } : {}),
        }))} />
      </section>
    </article>
  );
}
