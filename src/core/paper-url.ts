import { isArxivId } from './paper-id.ts';

/**
 * The path of a paper's page, `/papers/` and its id as one encoded path segment, so that no id can
 * reach another route (`x:a/../2611.10001`, `x:a/../../signout/everywhere?`) or lose characters
 * (`"`, `?`, `#`, `%`). Old-style arXiv ids keep their slash (`/papers/hep-th/9901001`, the form
 * arXiv itself uses); the routes accept it encoded too. Append `/vote`, `/save`, `/hide` for forms.
 */
export function paperPath(id: string): string {
  const segment = encodeURIComponent(id).replace(/%3A/g, ':').replace(/%40/g, '@');
  return `/papers/${isArxivId(id) ? segment.replace(/%2F/g, '/') : segment}`;
}

/** The absolute URL of a paper's page under `baseUrl` (no trailing slash). */
export const paperUrl = (baseUrl: string, id: string) => `${baseUrl}${paperPath(id)}`;
