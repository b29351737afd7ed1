import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface DeliveredEmail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: ParsedMail['attachments'];
  /** The Message-ID header as sent (with its angle brackets). */
  messageId: string | undefined;
  receivedAt: Date;
}

/**
 * An in-process SMTP server that keeps every delivered message, so tests read verification links and
 * OTPs from the real email. `rejectNext(n)` makes the next n deliveries fail (to test job retries).
 */
export class SmtpInbox {
  readonly messages: DeliveredEmail[] = [];
  private waiters: (() => void)[] = [];
  private rejections = 0;
  private refusing = false;
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Do not wait 30 s for pooled client connections at teardown.
    closeTimeout: 1000,
    onConnect: (_session, cb) => {
      if (!this.refusing) return cb();
      const err = new Error('Service not available, try again later') as Error & { responseCode: number };
      err.responseCode = 421;
      cb(err);
    },
    onRcptTo: (_address, _session, cb) => {
      if (this.rejections > 0) {
        this.rejections -= 1;
        const err = new Error('Mailbox temporarily unavailable') as Error & { responseCode: number };
        err.responseCode = 451;
        return cb(err);
      }
      cb();
    },
    onData: (stream, session, cb) => {
      simpleParser(stream)
        .then((mail) => {
          this.messages.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            attachments: mail.attachments,
            messageId: mail.messageId,
            receivedAt: new Date(),
          });
          const w = this.waiters;
          this.waiters = [];
          w.forEach((fn) => fn());
          cb();
        })
        .catch(cb);
    },
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** While on, every new connection is refused with 421 (the mail server is down for clients). */
  refuse(on: boolean): void {
    this.refusing = on;
    // Pooled client connections opened before the outage end too.
    if (on)
      for (const c of (this.server as unknown as { connections: Set<{ close(): void }> }).connections)
        c.close();
  }

  rejectNext(n: number): void {
    this.rejections = n;
  }

  /** Messages addressed to `to`. */
  to(address: string): DeliveredEmail[] {
    return this.messages.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** Waits for a message to `address` matching `match` (default: any), failing after `timeoutMs`. */
  async waitFor(
    address: string,
    match: (m: DeliveredEmail) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<DeliveredEmail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(address).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no email to ${address} matched within ${timeoutMs} ms (got ${
            this.to(address)
              .map((m) => m.subject)
              .join(' | ') || 'none'
          })`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
