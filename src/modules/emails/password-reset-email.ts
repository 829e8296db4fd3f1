import { escapeHtml, formatUtc, htmlDocument, type EmailContent } from './email-format.js';

/**
 * The operator's reset page (or the API's own confirm route) with the token added as a query
 * parameter. The configured URL is kept byte for byte, a query it has included; the token is
 * base64url, which needs no escaping, and goes before any fragment.
 */
export function passwordResetLink(baseUrl: string, token: string): string {
  const hashAt = baseUrl.indexOf('#');
  const [beforeFragment, fragment] =
    hashAt === -1 ? [baseUrl, ''] : [baseUrl.slice(0, hashAt), baseUrl.slice(hashAt)];
  const separator = !beforeFragment.includes('?')
    ? '?'
    : beforeFragment.endsWith('?') || beforeFragment.endsWith('&')
      ? ''
      : '&';
  return `${beforeFragment}${separator}token=${encodeURIComponent(token)}${fragment}`;
}

export function passwordResetEmail(input: {
  name: string;
  email: string;
  link: string;
  expiresAt: Date;
}): EmailContent {
  const intro = `Someone, hopefully you, asked to reset the password of the EventFlow account ${input.email}.`;
  const rules = `The link works once, until ${formatUtc(input.expiresAt)} (UTC). Setting a new password signs the account out everywhere.`;
  const ignore = 'If you did not ask for this, ignore this email: your password stays as it is.';
  const text = [
    `Hello ${input.name},`,
    '',
    intro,
    'To choose a new password, open this link:',
    '',
    input.link,
    '',
    rules,
    ignore,
  ].join('\n');
  const html = htmlDocument(
    'Reset your EventFlow password',
    [
      `<p>Hello ${escapeHtml(input.name)},</p>`,
      `<p>${escapeHtml(intro)}</p>`,
      `<p><a href="${escapeHtml(input.link)}">Choose a new password</a></p>`,
      `<p style="font-size: 12px;">Or copy this address: ${escapeHtml(input.link)}</p>`,
      `<p>${escapeHtml(rules)}</p>`,
      `<p>${escapeHtml(ignore)}</p>`,
    ].join('\n'),
  );
  return { subject: 'Reset your EventFlow password', text, html, attachments: [] };
}
