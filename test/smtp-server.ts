import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that parses what it receives with
 * `mailparser`. `reply` can refuse recipients with SMTP codes (e.g. 421, 550).
 */
export async function startSmtpServer(options: { reply?: (recipient: string) => { code: number; message: string } | null; delayMs?: number } = {}) {
  const received: ReceivedMail[] = [];
  // Counted when the server says 250 to DATA (received[] grows only after parsing, a little later).
  let accepted = 0;
  const waiters: (() => void)[] = [];
  const config: SMTPServerOptions = {
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    async onRcptTo(address, _session, callback) {
      // A slow server: the delay comes before the message is accepted, not between acceptance and reply.
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const verdict = options.reply?.(address.address);
      if (verdict) {
        const error = new Error(verdict.message) as Error & { responseCode: number };
        error.responseCode = verdict.code;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        // Accept first (250 goes out now), then parse: what is accepted is counted even if the
        // client dies before it reads the reply, as with a real MTA.
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        accepted++;
        callback();
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({ envelopeTo, raw, parsed: await simpleParser(raw) });
        waiters.splice(0).forEach((w) => w());
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Clients that die mid-session (the crash test kills senders) reset connections: not an error here.
  server.on('error', () => {});
  // The listening server and its connections never keep a test process alive on their own: a test
  // that fails before it closes the server must still end (a failed crash test used to hang the
  // whole run for as long as CI allows). Its clients (children, pooled connections) keep it alive
  // while they are in use.
  server.server.unref();
  server.server.on('connection', (socket: { unref(): void }) => socket.unref());
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    received,
    /** Messages accepted so far (250 to DATA sent), parsed or not yet. */
    get accepted() {
      return accepted;
    },
    /** Resolves with the first mail to `to` received after `since` mails, waiting up to `timeoutMs`. */
    async waitFor(to: string, since = 0, timeoutMs = 10_000): Promise<ReceivedMail> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.slice(since).find((m) => m.envelopeTo.includes(to));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms (received ${received.length})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    /** Resolves once `count` mails in all were received, or when `signal` aborts (polls every 10 ms). */
    async waitForCount(count: number, signal?: AbortSignal): Promise<void> {
      while (received.length < count && !signal?.aborted) await new Promise((r) => setTimeout(r, 10));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
