/**
 * Warm-up of a `serve` process before it reports ready (readiness.ts): the hot request paths (the
 * search API and page in each mode, the trending page) run a few times in-process, through the app
 * itself and not the network, so that V8 has compiled them and the model's query thread has run
 * queries of several lengths before real traffic comes. Measured on the 75k corpus: a fresh
 * worker's first hybrid searches took 106, 55, 43, 26 ms before settling at 10–12 ms.
 *
 * Only read-only paths: no paper page (it counts a reader), nothing that writes. The queries are
 * fixed research phrases; a query with no hit still runs the whole path. The requests are neither
 * rate limited nor logged (WARM_UP_ENV).
 */
import { WARM_UP_ENV } from '../http/security.ts';

const QUERIES = [
  'graph neural networks', 'diffusion models for image generation', 'reinforcement learning from human feedback',
  'protein structure prediction', 'large language model reasoning benchmark', 'quantum error correction codes',
  'speech recognition for low resource languages', 'medical image segmentation',
];

export interface WarmUpTarget {
  request(path: string, init: RequestInit | undefined, env: object): Response | Promise<Response>;
}

/** Requests run, how many did not answer 2xx and the first of those (a warm-up never throws: a failing path is the log's business). */
export async function warmUp(app: WarmUpTarget, { hybrid, rounds = 3, stopped = () => false }: { hybrid: boolean; rounds?: number; stopped?: () => boolean }): Promise<{ requests: number; failed: number; firstFailure?: string }> {
  const modes = hybrid ? ['keyword', 'hybrid'] : ['keyword'];
  const paths: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const q of QUERIES) {
      const query = encodeURIComponent(round === 0 ? q : `${q} ${round}`);
      for (const mode of modes) paths.push(`/api/search?q=${query}&mode=${mode}`, `/search?q=${query}&mode=${mode}`);
    }
    paths.push('/', '/api/trending');
  }
  let requests = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  for (const path of paths) {
    if (stopped()) break;
    requests++;
    try {
      const response = await app.request(path, undefined, WARM_UP_ENV);
      await response.arrayBuffer();
      // A path that answered 4xx (or was limited) did not warm up.
      if (!response.ok) {
        failed++;
        firstFailure ??= `${path}: HTTP ${response.status}`;
      }
    } catch (error) {
      failed++;
      firstFailure ??= `${path}: ${(error as Error).message}`;
    }
  }
  return { requests, failed, ...(firstFailure ? { firstFailure } : {}) };
}
