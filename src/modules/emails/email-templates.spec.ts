import { escapeHtml, formatAmount, oneLine } from './email-format.js';
import { readPayload } from './email-jobs.js';
import {
  eventCancelledEmail,
  orderCancelledEmail,
  orderConfirmationEmail,
  orderRefundedEmail,
  type OrderSummary,
} from './order-emails.js';
import { passwordResetEmail, passwordResetLink } from './password-reset-email.js';

const HOSTILE = `<script>alert("x")</script> Tom & Jerry's <img src="https://evil.example/p.png">`;

const order: OrderSummary = {
  orderId: '5b0c7a2e-8f1d-4c3b-9e6a-2d4f6b8a0c1e',
  buyerName: `Ada <b>Lovelace</b>`,
  currency: 'USD',
  totalCents: 5_000,
  refundedCents: 4_750,
  event: { title: HOSTILE, venue: 'Hall & "Annex"', startsAt: new Date('2027-06-01T18:00:00Z') },
};

/** Every `<img src=...>` of an HTML part. */
const imageSources = (html: string) =>
  [...html.matchAll(/<img[^>]*\ssrc="([^"]*)"/g)].map((m) => m[1]);

describe('formatAmount', () => {
  it.each([
    [1_250, 'USD', 'USD 12.50'],
    [5, 'USD', 'USD 0.05'],
    [0, 'EUR', 'EUR 0.00'],
    [100_000_000, 'USD', 'USD 1000000.00'],
    [1_200, 'JPY', 'JPY 1200'],
    [1_250, 'KWD', 'KWD 1.250'],
    [-250, 'USD', 'USD -2.50'],
  ])('%i %s is %s', (minor, currency, expected) => {
    expect(formatAmount(minor, currency)).toBe(expected);
  });

  it('takes two decimals for a currency code Intl does not know', () => {
    expect(formatAmount(1_999, 'XQZ')).toBe('XQZ 19.99');
  });
});

describe('escapeHtml and oneLine', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('folds line breaks a title may hold, so a subject is one header line', () => {
    expect(oneLine('Rock\r\nBcc: victim@example.com\tnight ')).toBe(
      'Rock Bcc: victim@example.com night',
    );
  });
});

describe('order confirmation', () => {
  const tickets = [
    { code: 'code-one-aaaaaaaaaaaa', ticketTypeName: 'VIP <gold>', qrPng: Buffer.from('png-1') },
    { code: 'code-two-bbbbbbbbbbbb', ticketTypeName: 'Standard', qrPng: Buffer.from('png-2') },
  ];
  const email = orderConfirmationEmail(order, tickets);

  it('escapes every typed string in the HTML and keeps it verbatim in the text', () => {
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>');
    expect(email.html).not.toContain('<gold>');
    expect(email.html).toContain(escapeHtml(HOSTILE));
    expect(email.html).toContain('Hall &amp; &quot;Annex&quot;');
    expect(email.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
    expect(email.text).toContain(`Event: ${HOSTILE}`);
    expect(email.text).toContain('Hello Ada <b>Lovelace</b>,');
    expect(email.subject).toBe(`Your tickets for ${HOSTILE}`);
  });

  it('shows the event, the order, the total and each ticket with its type', () => {
    expect(email.text).toContain('Starts: 2027-06-01T18:00:00.000Z (UTC)');
    expect(email.text).toContain(`Order: ${order.orderId}`);
    expect(email.text).toContain('Total: USD 50.00');
    expect(email.text).toContain('- VIP <gold>: code-one-aaaaaaaaaaaa');
    expect(email.text).toContain('- Standard: code-two-bbbbbbbbbbbb');
    expect(email.html).toContain('<code>code-one-aaaaaaaaaaaa</code>');
  });

  it('has one inline PNG per ticket, each referenced by cid:, and no other image source', () => {
    expect(email.attachments).toHaveLength(2);
    expect(email.attachments.map((a) => a.content.toString())).toEqual(['png-1', 'png-2']);
    expect(new Set(email.attachments.map((a) => a.cid)).size).toBe(2);
    expect(imageSources(email.html).sort()).toEqual(
      email.attachments.map((a) => `cid:${a.cid}`).sort(),
    );
    for (const attachment of email.attachments) {
      expect(attachment.contentType).toBe('image/png');
      expect(attachment.cid).not.toContain('code-');
    }
  });

  it('lists tickets past the image limit by code, and says so', () => {
    const many = orderConfirmationEmail(order, [
      tickets[0],
      { code: 'code-three-cccccccccc', ticketTypeName: 'Standard' },
    ]);
    expect(many.attachments).toHaveLength(1);
    expect(imageSources(many.html)).toEqual([`cid:${many.attachments[0].cid}`]);
    expect(many.text).toContain('- Standard: code-three-cccccccccc');
    expect(many.text).toContain('1 of the 2 tickets have no QR code in this email');
  });
});

describe('cancellation and refund notices', () => {
  it('a cancellation shows the order total in its currency', () => {
    const email = orderCancelledEmail(order);
    expect(email.subject).toBe(`Order cancelled: ${HOSTILE}`);
    expect(email.text).toContain('Order total: USD 50.00');
    expect(email.html).toContain('Order total: USD 50.00');
    expect(email.html).not.toContain('<script>');
    expect(email.attachments).toEqual([]);
  });

  it('a refund shows what came back, of what total, and the fee kept', () => {
    const email = orderRefundedEmail(order);
    expect(email.text).toContain('Refunded: USD 47.50 of USD 50.00');
    expect(email.text).toContain('Refund fee kept by the organizer: USD 2.50');
    expect(email.html).toContain('Refunded: USD 47.50 of USD 50.00');
    expect(email.html).not.toContain('<script>');
  });

  it('a refund in full mentions no fee; yen have no decimals', () => {
    const email = orderRefundedEmail({
      ...order,
      currency: 'JPY',
      totalCents: 3_000,
      refundedCents: 3_000,
    });
    expect(email.text).toContain('Refunded: JPY 3000 of JPY 3000');
    expect(email.text).not.toContain('fee');
  });

  it('an event cancellation names the event, escaped', () => {
    const email = eventCancelledEmail('Grace & co', order.event);
    expect(email.subject).toBe(`Cancelled: ${HOSTILE}`);
    expect(email.html).toContain('Hello Grace &amp; co,');
    expect(email.html).not.toContain('<script>');
    expect(imageSources(email.html)).toEqual([]);
    expect(email.text).toContain('refunded in full');
  });
});

describe('password reset', () => {
  it.each([
    [
      'http://localhost:3000/api/auth/password-reset/confirm',
      'http://localhost:3000/api/auth/password-reset/confirm?token=T-1_x',
    ],
    ['https://app.example/reset?lang=en', 'https://app.example/reset?lang=en&token=T-1_x'],
    ['https://app.example/reset?', 'https://app.example/reset?token=T-1_x'],
    ['https://app.example/#/reset', 'https://app.example/?token=T-1_x#/reset'],
  ])('%s gets the token as a query parameter', (base, expected) => {
    expect(passwordResetLink(base, 'T-1_x')).toBe(expected);
  });

  it('carries the link in both parts, escaped in the HTML attribute', () => {
    const link = 'https://app.example/reset?lang=en&token=abc';
    const email = passwordResetEmail({
      name: '<Ada>',
      email: 'ada@example.com',
      link,
      expiresAt: new Date('2027-06-01T18:30:00Z'),
    });
    expect(email.text).toContain(`\n${link}\n`);
    expect(email.html).toContain('href="https://app.example/reset?lang=en&amp;token=abc"');
    expect(email.html).toContain('Hello &lt;Ada&gt;,');
    expect(email.text).toContain('until 2027-06-01T18:30:00.000Z (UTC)');
    expect(imageSources(email.html)).toEqual([]);
  });
});

describe('readPayload', () => {
  it('reads the named strings and refuses anything else', () => {
    const id = '5b0c7a2e-8f1d-4c3b-9e6a-2d4f6b8a0c1e';
    expect(readPayload({ messageId: id, extra: 1 }, ['messageId'], ['messageId'])).toEqual({
      messageId: id,
    });
    expect(readPayload({ messageId: 'nope' }, ['messageId'], ['messageId'])).toBeUndefined();
    expect(readPayload({ messageId: 7 }, ['messageId'], [])).toBeUndefined();
    expect(readPayload(null, ['messageId'], [])).toBeUndefined();
    expect(readPayload('x', ['messageId'], [])).toBeUndefined();
  });
});
