import escapeHtml from 'escape-html';
import { shortAbstract, type DigestSection } from '../core/digest.ts';
import { latexToReadableText } from '../core/latex-text.ts';
import { paperUrl as paperUrlOf } from '../core/paper-url.ts';

export interface DigestLinks {
  baseUrl: string;
  viewUrl: string;
  preferencesUrl: string;
  /** One-click unsubscribe from everything (HTTPS). */
  unsubscribeAllUrl: string;
  /** Per topic id. */
  unsubscribeTopicUrl: (topicId: number) => string;
}

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/**
 * The digest mail, plain text and HTML. Every piece of paper or topic text is escaped in the HTML
 * part; nothing the subscriber typed reaches the subject or any header.
 */
export function renderDigest(period: string, sections: readonly DigestSection[], links: DigestLinks): RenderedDigest {
  const count = sections.reduce((n, s) => n + s.papers.length, 0);
  const day = LONG_DATE.format(new Date(`${period}T12:00:00Z`));
  const subject = `Paperboy: ${count} paper${count === 1 ? '' : 's'} for ${day}`;
  const paperUrl = (id: string) => paperUrlOf(links.baseUrl, id);
  const arxivUrl = (id: string) => `https://arxiv.org/abs/${id}`;
  const isArxiv = (id: string) => !id.includes(':');
  const authors = (list: readonly string[]) => (list.length > 4 ? `${list.slice(0, 4).join(', ')} et al.` : list.join(', '));

  const text: string[] = [`${subject}`, `View in your browser: ${links.viewUrl}`, ''];
  const html: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>', escapeHtml(subject), '</title></head>',
    '<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:640px;margin:0 auto;padding:16px;color:#1b1f24">',
    `<p style="font-size:12px;color:#5b6470"><a href="${escapeHtml(links.viewUrl)}">View in your browser</a></p>`,
    `<h1 style="font-size:20px">${escapeHtml(subject)}</h1>`,
  ];
  for (const section of sections) {
    text.push(`== ${section.title} ==`, '');
    html.push(`<h2 style="font-size:16px;border-bottom:1px solid #e3e6ea;padding-bottom:4px">${escapeHtml(section.title)}</h2>`);
    for (const p of section.papers) {
      // Mail clients render no MathML: formulas become Unicode where simple, TeX otherwise.
      const summary = latexToReadableText(shortAbstract(p.abstract));
      const title = latexToReadableText(p.title);
      const note = p.note ? latexToReadableText(p.note) : '';
      text.push(`* ${title}`, `  ${authors(p.authors)}${p.date ? ` (${p.date})` : ''}`, `  ${summary}`, ...(note ? [`  ${note}`] : []), `  ${paperUrl(p.id)}${isArxiv(p.id) ? `  |  arXiv: ${arxivUrl(p.id)}` : ''}`, '');
      html.push(
        '<div style="margin:12px 0">',
        `<a href="${escapeHtml(paperUrl(p.id))}" style="font-weight:600;font-size:15px">${escapeHtml(title)}</a>`,
        `<div style="font-size:13px;color:#5b6470">${escapeHtml(authors(p.authors))}${p.date ? ` · ${escapeHtml(p.date)}` : ''}${isArxiv(p.id) ? ` · <a href="${escapeHtml(arxivUrl(p.id))}">arXiv</a>` : ''}</div>`,
        `<div style="font-size:14px">${escapeHtml(summary)}</div>`,
        ...(note ? [`<div style="font-size:13px;color:#5b6470;font-style:italic">${escapeHtml(note)}</div>`] : []),
        '</div>',
      );
    }
    if (section.topicId !== null) {
      const url = links.unsubscribeTopicUrl(section.topicId);
      text.push(`  Stop this topic: ${url}`, '');
      html.push(`<p style="font-size:12px"><a href="${escapeHtml(url)}">Stop alerts for this topic</a></p>`);
    }
  }
  text.push('--', `Preferences (topics, time, frequency): ${links.preferencesUrl}`, `Unsubscribe from everything: ${links.unsubscribeAllUrl}`);
  html.push(
    '<hr style="border:0;border-top:1px solid #e3e6ea">',
    `<p style="font-size:12px;color:#5b6470"><a href="${escapeHtml(links.preferencesUrl)}">Preferences</a> · <a href="${escapeHtml(links.unsubscribeAllUrl)}">Unsubscribe from everything</a></p>`,
    '</body></html>',
  );
  return { subject, text: `${text.join('\n')}\n`, html: html.join('') };
}
