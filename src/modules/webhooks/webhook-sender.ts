import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { parseRetryAfter } from './retry-schedule.js';

export interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryResult {
  /** The receiver's status code; undefined when no answer came (refused, timed out, unreachable). */
  status: number | undefined;
  durationMs: number;
  /** Why it failed, for the delivery log; undefined on a 2xx. */
  error: string | undefined;
  /** The address was refused before connecting (private, loopback, link-local). */
  refused: boolean;
  retryAfterSeconds: number | undefined;
}

/** What of the receiver's answer is read: enough to log, never enough to hold memory hostage. */
const MAX_RESPONSE_BYTES = 4_096;

/**
 * POSTs one signed message. The agent refuses private, loopback and link-local addresses after
 * DNS resolution (unless allowed for development); redirects are never followed (a 3xx is a
 * failure); no cookie or credential of ours is sent; the whole exchange has one deadline.
 */
export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly timeoutMs: number,
    allowPrivateAddresses: boolean,
  ) {
    const filtering = {
      allowPrivateIPAddress: allowPrivateAddresses,
      allowMetaIPAddress: false,
      keepAlive: true,
      maxSockets: 50,
    };
    this.httpAgent = new RequestFilteringHttpAgent(filtering);
    this.httpsAgent = new RequestFilteringHttpsAgent(filtering);
  }

  send(delivery: Delivery): Promise<DeliveryResult> {
    const started = performance.now();
    const url = new URL(delivery.url);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<DeliveryResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ ...result, durationMs: Math.round(performance.now() - started) });
      };
      const request = client.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
          headers: {
            ...delivery.headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(delivery.body)),
            'user-agent': 'EventFlow-Webhooks/1',
          },
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) response.destroy();
          });
          const status = response.statusCode ?? 0;
          const answered = () =>
            finish({
              status,
              error: status >= 200 && status < 300 ? undefined : failureOf(status),
              refused: false,
              retryAfterSeconds: parseRetryAfter(headerText(response.headers['retry-after'])),
            });
          response.on('end', answered);
          response.on('close', answered);
          response.on('error', answered);
        },
      );
      const deadline = setTimeout(() => {
        request.destroy(new Error(`no complete answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      request.on('error', (error) => {
        const refused = /is not allowed/i.test(error.message);
        finish({
          status: undefined,
          error: (refused ? `address refused: ${error.message}` : error.message).slice(0, 500),
          refused,
          retryAfterSeconds: undefined,
        });
      });
      request.end(delivery.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function failureOf(status: number): string {
  if (status >= 300 && status < 400) return `answered ${status}: redirects are not followed`;
  return `answered ${status}`;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
