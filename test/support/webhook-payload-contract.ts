import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule, { type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

// CommonJS whose `default` is the export itself: the same under tsc and under Jest's SWC.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/**
 * The webhook messages as openapi.json describes them (x-webhooks → WebhookMessage_<type>),
 * checked against what a receiver really got.
 */
export class WebhookPayloadContract {
  private readonly ajv: InstanceType<typeof Ajv>;

  constructor() {
    const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi.json', components: document.components });
  }

  /** What is wrong with one received body, or nothing. */
  problems(body: string): string[] {
    const message = JSON.parse(body) as { type: string };
    const name = `WebhookMessage_${message.type.replace(/[^a-z]+/g, '_')}`;
    const validate = this.ajv.getSchema(`openapi.json#/components/schemas/${name}`);
    if (!validate) return [`${message.type}: no schema ${name} in openapi.json`];
    if (validate(message)) return [];
    return (validate.errors ?? []).map(
      (error: ErrorObject) =>
        `${message.type}: ${error.instancePath || '/'} ${error.message ?? ''}`,
    );
  }
}
