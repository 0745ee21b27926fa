import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake arXiv OAI-PMH endpoint on 127.0.0.1 for harvester tests. */
export interface OaiTestServer {
  url: string;
  requests: { at: number; params: Record<string, string> }[];
  close(): Promise<void>;
}

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  /** Bytes are sent as they are (e.g. gzip with a content-encoding header). */
  body: string | Buffer;
  /** Send only this many bytes with an honest Content-Length: complete HTTP, incomplete XML. */
  truncateAt?: number;
  /** Promise the whole body, send this many bytes, then drop the connection. */
  dropAt?: number;
  /** Wait this long before answering. */
  delayMs?: number;
};

export async function startOaiServer(handler: (params: Record<string, string>, index: number) => Reply): Promise<OaiTestServer> {
  const requests: OaiTestServer['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
    requests.push({ at: performance.now(), params });
    const reply = handler(params, requests.length - 1);
    if (reply.delayMs) {
      const timer = setTimeout(() => send(res, reply), reply.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    send(res, reply);
  });
  const send = (res: ServerResponse, reply: Reply) => {
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    if (reply.dropAt !== undefined) {
      res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml', 'content-length': String(body.length) });
      res.write(body.subarray(0, reply.dropAt), () => res.socket?.destroy());
      return;
    }
    if (reply.truncateAt !== undefined) {
      // A page cut short: the declared length is honest, the XML is not complete.
      const cut = body.subarray(0, reply.truncateAt);
      res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml', 'content-length': String(cut.length), ...reply.headers });
      res.end(cut);
      return;
    }
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml; charset=utf-8', ...reply.headers });
    res.end(body);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oai`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface FakeRecord {
  id: string;
  version?: number;
  title?: string;
  deleted?: boolean;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A ListRecords page in arXiv's arXivRaw format, as arXiv serves it. */
export function oaiPage(records: FakeRecord[], options: { token?: string | null; cursor?: number; completeListSize?: number; responseDate?: string } = {}): string {
  const body = records
    .map((r) => {
      if (r.deleted) {
        return `<record><header status="deleted"><identifier>oai:arXiv.org:${r.id}</identifier><datestamp>2024-01-09</datestamp><setSpec>cs</setSpec></header></record>`;
      }
      const versions = Array.from({ length: r.version ?? 1 }, (_, i) =>
        `<version version="v${i + 1}"><date>Mon, ${i + 1} Jan 2024 10:00:00 GMT</date><size>10kb</size><source_type>D</source_type></version>`).join('');
      return `<record><header><identifier>oai:arXiv.org:${r.id}</identifier><datestamp>2024-01-09</datestamp><setSpec>cs</setSpec></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>${r.id}</id><submitter>Someone</submitter>${versions}
<title>${escape(r.title ?? `Paper ${r.id}`)}</title><authors>A. Author and B. Author</authors><categories>cs.LG</categories>
<abstract>Abstract of ${r.id}.</abstract></arXivRaw></metadata></record>`;
    })
    .join('\n');
  const token = options.token === undefined ? '' : `<resumptionToken cursor="${options.cursor ?? 0}" completeListSize="${options.completeListSize ?? records.length}">${options.token ?? ''}</resumptionToken>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<responseDate>${options.responseDate ?? '2024-01-10T12:00:00Z'}</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>
<ListRecords>
${body}
${token}
</ListRecords>
</OAI-PMH>`;
}

export function oaiError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-10T12:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><error code="${code}">${message}</error></OAI-PMH>`;
}

export const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: `2401.${String(from + i).padStart(5, '0')}` }));
