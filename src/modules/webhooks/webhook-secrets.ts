import { randomBytes } from 'node:crypto';

/** A Standard Webhooks signing secret: `whsec_` and 24 random bytes in base64 (192 bits). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** How long the secret before a rotation keeps signing, so receivers can switch without a gap. */
export const PREVIOUS_SECRET_HOURS = 24;
