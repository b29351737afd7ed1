import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The Message-ID header, e.g. from {@link newMessageId}; nodemailer makes one when absent. */
  messageId?: string;
  attachments?: { filename: string; content: string | Buffer; contentType?: string }[];
}

/** Sends finished emails; the SMTP server or the local outbox folder is the mailer's business. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * A fresh Message-ID on the domain of `from` (`Name <user@domain>` or a bare address), as nodemailer
 * would make it, but known before the send so it can be stored with the ledger row first.
 */
export function newMessageId(from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${randomUUID()}@${domain}>`;
}

/**
 * Creates the mailer: SMTP when `smtpUrl` is set, otherwise `.eml` files in `outboxDir` (each with a
 * readable `.txt` copy of its plain-text part), so a fresh checkout can register and reset passwords
 * without any mail server.
 */
export function createMailer(opts: { smtpUrl?: string; from: string; outboxDir: string }): Mailer {
  if (opts.smtpUrl) {
    const url = new URL(opts.smtpUrl);
    const transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      // Local development and test servers often lack certificates; production URLs use smtps.
      ignoreTLS: url.searchParams.get('ignoreTLS') === 'true',
      pool: true,
      maxConnections: 5,
      // A dropped connection must not re-send a message the server may already have accepted.
      maxRequeues: 0,
    });
    return {
      async send(email) {
        const info = await transport.sendMail({ from: opts.from, ...email });
        return { messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(email) {
      const info = await transport.sendMail({ from: opts.from, ...email });
      await mkdir(opts.outboxDir, { recursive: true });
      const safeTo = email.to.replace(/[^a-zA-Z0-9@._-]/g, '_');
      const base = path.join(opts.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${safeTo}`);
      await writeFile(`${base}.eml`, info.message as Buffer);
      // The .eml is quoted-printable (a link's `=` becomes `=3D`, long lines wrap): the plain-text
      // part is also kept as it was written, so links and codes can be copied as they are.
      await writeFile(`${base}.txt`, `To: ${email.to}\nSubject: ${email.subject}\n\n${email.text}`);
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
