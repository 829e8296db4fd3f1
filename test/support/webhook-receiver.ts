import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** A received message as the payload schemas describe it (checked separately against openapi.json). */
export interface WebhookMessage {
  type: string;
  timestamp: string;
  version: number;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any resource's view
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Hold the answer back this long (a slow receiver). */
  delayMs?: number;
}

/**
 * A real HTTP receiver on 127.0.0.1: records every request, answers what `respond` says (200 by
 * default), and verifies signatures with the standardwebhooks package as a receiver would.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: (request: ReceivedWebhook, index: number) => Answer = () => ({ status: 200 });
  private server: Server | undefined;
  /** Answers still held back (`delayMs`): dropped by `close`, so none outlives the receiver. */
  private readonly held = new Set<NodeJS.Timeout>();

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        receiver.received.push(request);
        const answer = receiver.respond(request, receiver.received.length - 1);
        const timer = setTimeout(() => {
          receiver.held.delete(timer);
          res.writeHead(answer.status, answer.headers ?? {}).end();
        }, answer.delayMs ?? 0);
        receiver.held.add(timer);
      });
    });
    await new Promise<void>((resolve) => receiver.server!.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks`;
  }

  /** The verified payloads, in arrival order; throws on any request whose signature fails. */
  verified(secret: string): { id: string; payload: WebhookMessage }[] {
    const webhook = new Webhook(secret);
    return this.received.map((request) => ({
      id: String(request.headers['webhook-id']),
      payload: webhook.verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as WebhookMessage,
    }));
  }

  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter(
      (request) => (JSON.parse(request.body) as { type: string }).type === type,
    );
  }

  async close(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
