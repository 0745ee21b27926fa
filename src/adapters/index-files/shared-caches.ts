import { PostingsCache } from '../../core/search/segment/postings-cache.ts';
import { VectorCopies, type VectorCopy } from '../vector/vector-files.ts';
import { threadShare } from './thread-share.ts';

/**
 * The postings cache and int8 vector copies of one index directory, wired to the thread's share
 * (thread-share.ts): in a worker thread of `serve --workers N`, lists and copies one thread keeps are
 * announced to its siblings, which keep the same memory; alone (a command, one worker), plain caches.
 */
export function directoryCaches(dir: string, postingsBudget: number): { postings: PostingsCache | null; vectorCopies: VectorCopies } {
  const share = threadShare();
  if (!share.enabled) return { postings: postingsBudget > 0 ? new PostingsCache(postingsBudget) : null, vectorCopies: new VectorCopies() };
  const postingsKind = `postings\u0000${dir}`, vectorsKind = `vectors\u0000${dir}`;
  const postings = postingsBudget > 0
    ? new PostingsCache(postingsBudget, undefined, {
        allocate: (bytes) => share.allocate(bytes),
        announce: (segment, term, bytes) => share.publish(postingsKind, `${segment}\u0000${term}`, bytes),
      })
    : null;
  const vectorCopies = new VectorCopies(share, vectorsKind, !share.leader);
  share.subscribe(postingsKind, (key, value, replaces) => {
    const at = key.lastIndexOf('\u0000');
    postings?.adopt(key.slice(0, at), Number(key.slice(at + 1)), value as Uint8Array, replaces);
  }, () => postings?.entries() ?? []);
  share.subscribe(vectorsKind, (key, value, replaces) => vectorCopies.adopt(key, value as VectorCopy, replaces), () => vectorCopies.entries());
  return { postings, vectorCopies };
}
