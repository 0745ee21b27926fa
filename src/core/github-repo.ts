/**
 * The owner/name of a GitHub repository from a link as papers give it
 * (`https://github.com/Owner/Name`, `github.com/owner/name.git`, `.../tree/main/x`), lower-cased:
 * the key under which its stars are kept. Null for anything that is not a github.com repository.
 */
export function githubRepoKey(link: string | null | undefined): string | null {
  if (typeof link !== 'string') return null;
  const match = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})(?:[/?#]|$)/i.exec(link.trim());
  if (!match) return null;
  const name = match[2]!.replace(/\.git$/i, '');
  if (!name || name === '.' || name === '..') return null;
  return `${match[1]!}/${name}`.toLowerCase();
}
