import { CommonErrors } from '../../common/errors/domain-error.js';

export const WebhooksErrors = {
  notFound: () => CommonErrors.notFound('The webhook endpoint'),
  messageNotFound: () => CommonErrors.notFound('A message this endpoint may receive'),
  urlNotAllowed: (why: string) =>
    CommonErrors.unprocessable('webhook-url-not-allowed', `The endpoint URL ${why}.`),
  tooMany: (max: number) =>
    CommonErrors.conflict(
      'too-many-webhooks',
      `An organizer may have at most ${max} webhook endpoints; delete one first.`,
    ),
  disabled: () =>
    CommonErrors.conflict(
      'webhook-disabled',
      'The endpoint is disabled (see disabledReason); enable it with PATCH {"enabled": true} first.',
    ),
};
