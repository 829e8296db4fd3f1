import {
  escapeHtml,
  formatAmount,
  formatUtc,
  htmlDocument,
  oneLine,
  type EmailAttachment,
  type EmailContent,
} from './email-format.js';

/** The event as its emails show it. */
export interface EventSummary {
  title: string;
  venue: string;
  startsAt: Date;
}

/** One order as its buyer's emails show it; amounts in the currency's minor unit. */
export interface OrderSummary {
  orderId: string;
  buyerName: string;
  currency: string;
  totalCents: number;
  refundedCents: number;
  event: EventSummary;
}

/** A ticket of the confirmation, with its QR code already drawn (a PNG of the ticket code). */
export interface TicketForEmail {
  code: string;
  ticketTypeName: string;
  /** Absent past the number of images one email carries: the code is listed without it. */
  qrPng?: Buffer;
}

function eventLines(event: EventSummary): string[] {
  return [
    `Event: ${event.title}`,
    `Venue: ${event.venue}`,
    `Starts: ${formatUtc(event.startsAt)} (UTC)`,
  ];
}

function eventHtml(event: EventSummary): string {
  return [
    '<table style="border-collapse: collapse;">',
    row('Event', escapeHtml(event.title)),
    row('Venue', escapeHtml(event.venue)),
    row('Starts', `${escapeHtml(formatUtc(event.startsAt))} (UTC)`),
    '</table>',
  ].join('\n');
}

/** `valueHtml` is already escaped. */
function row(label: string, valueHtml: string): string {
  return `<tr><th style="text-align: left; padding: 2px 12px 2px 0;">${label}</th><td>${valueHtml}</td></tr>`;
}

function greeting(name: string): { text: string; html: string } {
  return { text: `Hello ${name},`, html: `<p>Hello ${escapeHtml(name)},</p>` };
}

/** Sent when an order is paid: every ticket's code, and its QR code inline (a CID image). */
export function orderConfirmationEmail(
  order: OrderSummary,
  tickets: TicketForEmail[],
): EmailContent {
  const { event } = order;
  const hello = greeting(order.buyerName);
  const cids = tickets.map((ticket, index) =>
    // The ticket's position, not its code: a content id is an address, not a place for secrets.
    ticket.qrPng ? `ticket-${index + 1}.${order.orderId}@eventflow` : undefined,
  );
  const attachments: EmailAttachment[] = tickets.flatMap((ticket, index) =>
    ticket.qrPng
      ? [
          {
            filename: `ticket-${index + 1}.png`,
            content: ticket.qrPng,
            contentType: 'image/png',
            cid: cids[index]!,
          },
        ]
      : [],
  );
  const withoutImage = tickets.length - attachments.length;
  const imagesNote =
    withoutImage === 0
      ? 'The QR code of each ticket is in this email.'
      : `${withoutImage} of the ${tickets.length} tickets have no QR code in this email (too many for one); the code is enough at the door, and the app shows each ticket's QR code.`;
  const text = [
    hello.text,
    '',
    `Your order for ${event.title} is confirmed.`,
    '',
    ...eventLines(event),
    `Order: ${order.orderId}`,
    `Total: ${formatAmount(order.totalCents, order.currency)}`,
    '',
    'Your tickets (show the QR code or the code of each at the door):',
    ...tickets.map((ticket) => `- ${ticket.ticketTypeName}: ${ticket.code}`),
    '',
    imagesNote,
  ].join('\n');
  const ticketsHtml = tickets
    .map((ticket, index) => {
      const image = cids[index]
        ? `<br><img src="cid:${cids[index]}" width="200" height="200" alt="QR code of ticket ${escapeHtml(ticket.code)}">`
        : '';
      return (
        `<p style="margin: 16px 0;"><strong>${escapeHtml(ticket.ticketTypeName)}</strong><br>` +
        `<code>${escapeHtml(ticket.code)}</code>${image}</p>`
      );
    })
    .join('\n');
  const html = htmlDocument(
    `Your tickets for ${event.title}`,
    [
      hello.html,
      `<p>Your order for <strong>${escapeHtml(event.title)}</strong> is confirmed.</p>`,
      eventHtml(event),
      `<p>Order: <code>${escapeHtml(order.orderId)}</code><br>` +
        `Total: ${escapeHtml(formatAmount(order.totalCents, order.currency))}</p>`,
      '<p>Your tickets (show the QR code or the code of each at the door):</p>',
      ticketsHtml,
      `<p>${escapeHtml(imagesNote)}</p>`,
    ].join('\n'),
  );
  return { subject: oneLine(`Your tickets for ${event.title}`), text, html, attachments };
}

/** Sent when an order ends cancelled: a pending order given up, or one its event took with it. */
export function orderCancelledEmail(order: OrderSummary): EmailContent {
  const { event } = order;
  const hello = greeting(order.buyerName);
  const total = formatAmount(order.totalCents, order.currency);
  const notCharged =
    'A cancelled order is not charged; a payment that went through while it was being cancelled is refunded in full.';
  const text = [
    hello.text,
    '',
    `Your order for ${event.title} was cancelled and its tickets were released.`,
    '',
    ...eventLines(event),
    `Order: ${order.orderId}`,
    `Order total: ${total}`,
    '',
    notCharged,
  ].join('\n');
  const html = htmlDocument(
    `Order cancelled: ${event.title}`,
    [
      hello.html,
      `<p>Your order for <strong>${escapeHtml(event.title)}</strong> was cancelled and its tickets were released.</p>`,
      eventHtml(event),
      `<p>Order: <code>${escapeHtml(order.orderId)}</code><br>Order total: ${escapeHtml(total)}</p>`,
      `<p>${escapeHtml(notCharged)}</p>`,
    ].join('\n'),
  );
  return { subject: oneLine(`Order cancelled: ${event.title}`), text, html, attachments: [] };
}

/** Sent when a paid order is cancelled with its money given back (less any refund fee). */
export function orderRefundedEmail(order: OrderSummary): EmailContent {
  const { event } = order;
  const hello = greeting(order.buyerName);
  const refunded = formatAmount(order.refundedCents, order.currency);
  const total = formatAmount(order.totalCents, order.currency);
  const feeCents = order.totalCents - order.refundedCents;
  const fee = feeCents > 0 ? formatAmount(feeCents, order.currency) : undefined;
  const back =
    'The refund goes back to the payment method you paid with; banks can take a few days to show it.';
  const amountLines = [
    `Refunded: ${refunded} of ${total}`,
    ...(fee ? [`Refund fee kept by the organizer: ${fee}`] : []),
  ];
  const text = [
    hello.text,
    '',
    `Your order for ${event.title} was cancelled and refunded; its tickets are no longer valid.`,
    '',
    ...eventLines(event),
    `Order: ${order.orderId}`,
    ...amountLines,
    '',
    back,
  ].join('\n');
  const html = htmlDocument(
    `Refund: ${event.title}`,
    [
      hello.html,
      `<p>Your order for <strong>${escapeHtml(event.title)}</strong> was cancelled and refunded; its tickets are no longer valid.</p>`,
      eventHtml(event),
      `<p>Order: <code>${escapeHtml(order.orderId)}</code><br>` +
        amountLines.map(escapeHtml).join('<br>') +
        '</p>',
      `<p>${escapeHtml(back)}</p>`,
    ].join('\n'),
  );
  return { subject: oneLine(`Refund: ${event.title}`), text, html, attachments: [] };
}

/** Sent once to each holder of an event its organizer cancelled. */
export function eventCancelledEmail(recipientName: string, event: EventSummary): EmailContent {
  const hello = greeting(recipientName);
  const refunds =
    'Its tickets are no longer valid. Every paid order is refunded in full; you will receive a refund notice for each of yours.';
  const text = [
    hello.text,
    '',
    `The organizer cancelled ${event.title}.`,
    '',
    ...eventLines(event),
    '',
    refunds,
  ].join('\n');
  const html = htmlDocument(
    `Cancelled: ${event.title}`,
    [
      hello.html,
      `<p>The organizer cancelled <strong>${escapeHtml(event.title)}</strong>.</p>`,
      eventHtml(event),
      `<p>${escapeHtml(refunds)}</p>`,
    ].join('\n'),
  );
  return { subject: oneLine(`Cancelled: ${event.title}`), text, html, attachments: [] };
}
