import type { SourceItem } from './record-source.ts';

export interface OaiListRequest {
  set: string | null;
  metadataPrefix: string;
  from: string | null;
  until: string | null;
}

export interface OaiPage {
  items: SourceItem[];
  /** Token for the next page; null or '' when the list is complete. */
  resumptionToken: string | null;
  completeListSize: number | null;
  /** The server's responseDate (ISO). */
  responseDate: string | null;
  /** True when the server answered noRecordsMatch. */
  empty: boolean;
}

/**
 * An OAI-PMH repository (arXiv). Implementations are polite (rate limit, retries with backoff,
 * Retry-After) and throw PaperboyError('UPSTREAM_BAD_TOKEN') for an expired resumption token and
 * PaperboyError('UPSTREAM_FAILED') when the repository keeps failing.
 */
export interface OaiSource {
  readonly baseUrl: string;
  listRecords(request: OaiListRequest | { resumptionToken: string }): Promise<OaiPage>;
}
