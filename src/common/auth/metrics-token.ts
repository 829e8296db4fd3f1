import { createHash, timingSafeEqual } from 'node:crypto';
import { CommonErrors } from '../errors/domain-error.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Lets a scrape through when no METRICS_TOKEN is configured, or when it sends
 * `Authorization: Bearer <METRICS_TOKEN>`; otherwise a 401 with `WWW-Authenticate: Bearer`.
 * Both sides are hashed first so the constant-time comparison also hides the token's length.
 */
export function requireMetricsToken(authorization: string | undefined, token: string | undefined) {
  if (token === undefined) return;
  const sent = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  if (sent !== undefined && timingSafeEqual(digest(sent), digest(token))) return;
  throw CommonErrors.unauthorized(
    sent === undefined
      ? 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.'
      : 'This is not the metrics token.',
  );
}
