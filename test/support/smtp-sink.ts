import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseEmail, type ParsedEmail } from './mime.js';
import { waitUntil } from './redis-server.js';

export interface ReceivedEmail extends ParsedEmail {
  /** The envelope's recipients (RCPT TO), which decide where a message really goes. */
  recipients: string[];
  envelopeFrom: string;
}

interface Refusal {
  address: string;
  match: (email: ReceivedEmail) => boolean;
  left: number;
}

/**
 * A real SMTP server on 127.0.0.1 that keeps every message it accepts. `failNext` makes it
 * refuse a message with a temporary error (451) after reading it, as a mail server under load
 * does: the sender must try again.
 */
export class SmtpSink {
  readonly received: ReceivedEmail[] = [];
  private readonly refusals: Refusal[] = [];
  /** What was refused, as `address: subject`. */
  readonly refused: string[] = [];

  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const email: ReceivedEmail = {
          ...parseEmail(Buffer.concat(chunks)),
          recipients: session.envelope.rcptTo.map((to) => to.address),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        };
        if (this.refuseOnce(email)) {
          const busy = Object.assign(new Error('Mailbox busy, try again later'), {
            responseCode: 451,
          });
          callback(busy);
          return;
        }
        this.received.push(email);
        callback();
      });
    },
  });
  private port = 0;

  private constructor() {}

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(0, '127.0.0.1', () => resolve());
    });
    sink.port = (sink.server.server.address() as AddressInfo).port;
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Refuse the next `times` messages to this address (that `match`) with 451. */
  failNext(
    address: string,
    match: (email: ReceivedEmail) => boolean = () => true,
    times = 1,
  ): void {
    this.refusals.push({ address, match, left: times });
  }

  to(address: string): ReceivedEmail[] {
    return this.received.filter((email) => email.recipients.includes(address));
  }

  /** Polls until `count` emails to `address` match, and answers them. */
  async waitFor(
    address: string,
    match: (email: ReceivedEmail) => boolean = () => true,
    count = 1,
    timeoutMs = 20_000,
  ): Promise<ReceivedEmail[]> {
    const found = () => this.to(address).filter(match);
    await waitUntil(async () => found().length >= count, timeoutMs).catch((error: Error) => {
      const seen = this.received.map((email) => `${email.recipients.join(',')}: ${email.subject}`);
      throw new Error(
        `${error.message}; waiting for ${count} to ${address}; received: ${JSON.stringify(seen)}`,
      );
    });
    return found();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private refuseOnce(email: ReceivedEmail): boolean {
    const refusal = this.refusals.find(
      (candidate) =>
        candidate.left > 0 &&
        email.recipients.includes(candidate.address) &&
        candidate.match(email),
    );
    if (!refusal) return false;
    refusal.left -= 1;
    this.refused.push(`${refusal.address}: ${email.subject}`);
    return true;
  }
}
