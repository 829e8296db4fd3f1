/** What every template returns: the mailer adds sender and recipient. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
  attachments: EmailAttachment[];
}

/** An image shown inline by the HTML part through `cid:<cid>`; no email ever loads a remote one. */
export interface EmailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  cid: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Every string a person typed (titles, venues, names) goes through this before it meets HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/**
 * A subject is a header: line breaks or tabs someone typed into a title are folded to spaces so
 * the subject stays one line whatever the mail library does with them.
 */
export function oneLine(value: string): string {
  return value.replace(/[\r\n\t\f\v]+/g, ' ').trim();
}

/**
 * Integer minor units in the order's currency, as `USD 12.50`, `JPY 1200`, `KWD 1.250`: the
 * number of decimals is the currency's ISO 4217 minor unit, which is how amounts are stored.
 */
export function formatAmount(minorUnits: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const sign = minorUnits < 0 ? '-' : '';
  const absolute = Math.abs(minorUnits);
  if (digits === 0) return `${currency} ${sign}${absolute}`;
  const scale = 10 ** digits;
  const whole = Math.floor(absolute / scale);
  const fraction = String(absolute % scale).padStart(digits, '0');
  return `${currency} ${sign}${whole}.${fraction}`;
}

function minorUnitDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch (error) {
    // A code Intl does not know (the column takes any three letters): cents are the usual unit.
    if (error instanceof RangeError) return 2;
    throw error;
  }
}

/** Times in emails are UTC, as ISO 8601: the reader's mail client cannot be trusted with zones. */
export function formatUtc(instant: Date): string {
  return instant.toISOString();
}

/**
 * The HTML frame every email shares: inline styles only (mail clients drop style sheets) and
 * nothing fetched from the network. `bodyHtml` must already be escaped by the caller.
 */
export function htmlDocument(title: string, bodyHtml: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: Arial, Helvetica, sans-serif; color: #1a1a1a; line-height: 1.5;">',
    bodyHtml,
    '<p style="color: #666666; font-size: 12px;">EventFlow</p>',
    '</body>',
    '</html>',
  ].join('\n');
}
