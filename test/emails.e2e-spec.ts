import { bearer, createEvent } from './support/events.js';
import { decodeQrPng, imageSources, waitForEmailsSettled } from './support/emails.js';
import { expectMoneyInvariant } from './support/money.js';
import { cancelOrder, payOrder, placeOrder } from './support/orders.js';
import { SmtpSink, type ReceivedEmail } from './support/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

const MAIL_FROM = 'EventFlow Tickets <tickets@eventflow.test>';
const TITLE = `Rock & <Roll> "Night" <script>alert(1)</script>`;
const ESCAPED_TITLE =
  'Rock &amp; &lt;Roll&gt; &quot;Night&quot; &lt;script&gt;alert(1)&lt;/script&gt;';

/**
 * Customer emails, end to end: a change commits, its outbox row is dispatched to an `email:outbox`
 * job, the job renders and sends through a real SMTP server started here, and the test reads
 * what arrived.
 */
describe('Emails (e2e, real SMTP server)', () => {
  let smtp: SmtpSink;
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    db = await createTestDatabase();
    api = await startTestApp(db, {
      env: { SMTP_URL: smtp.url, MAIL_FROM, ORDER_SWEEP_INTERVAL_MS: '0' },
    });
    organizer = await createUser(api, db, 'ADMIN');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    await smtp?.close();
  });

  const subjectIs = (subject: string) => (email: ReceivedEmail) => email.subject === subject;

  /** A buyer who has paid for `quantity` tickets of the event's first type. */
  async function paidOrder(buyer: TestUser, ticketTypeId: string, quantity = 1): Promise<string> {
    const held = await placeOrder(api, buyer, [{ ticketTypeId, quantity }]);
    expect(held.status).toBe(201);
    expect((await payOrder(api, buyer, held.body.id as string)).status).toBe(200);
    return held.body.id as string;
  }

  it('a paid order sends its buyer one confirmation: the event, each ticket code with its type, a QR image per ticket', async () => {
    const buyer = await createUser(api, db, 'USER', 'Ada <Lovelace> & co');
    const event = await createEvent(api, organizer, {
      title: TITLE,
      venue: 'Hall "A" & B',
      startsAt: '2031-06-01T18:00:00Z',
      endsAt: '2031-06-01T22:00:00Z',
      ticketTypes: [
        { name: 'VIP <gold>', priceCents: 5_000, capacity: 10 },
        { name: 'Standard', priceCents: 1_250, capacity: 10 },
      ],
    });
    const [vip, standard] = event.ticketTypes;
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: vip.id, quantity: 2 },
      { ticketTypeId: standard.id, quantity: 1 },
    ]);
    expect(held.status).toBe(201);
    const orderId = held.body.id as string;
    expect((await payOrder(api, buyer, orderId)).status).toBe(200);
    const { rows: tickets } = await db.sql.query<{ code: string; name: string }>(
      `SELECT t.code, tt.name FROM tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id
        WHERE t.order_id = $1 ORDER BY t.code`,
      [orderId],
    );
    expect(tickets).toHaveLength(3);

    const [email] = await smtp.waitFor(buyer.email, subjectIs(`Your tickets for ${TITLE}`));
    expect(email.recipients).toEqual([buyer.email]);
    expect(email.to).toContain(buyer.email);
    expect(email.from).toBe(MAIL_FROM);
    expect(email.envelopeFrom).toBe('tickets@eventflow.test');

    expect(email.text).toContain('Hello Ada <Lovelace> & co,');
    expect(email.text).toContain(`Event: ${TITLE}`);
    expect(email.text).toContain('Venue: Hall "A" & B');
    expect(email.text).toContain('Starts: 2031-06-01T18:00:00.000Z (UTC)');
    expect(email.text).toContain(`Order: ${orderId}`);
    expect(email.text).toContain('Total: USD 112.50');
    for (const ticket of tickets) expect(email.text).toContain(`- ${ticket.name}: ${ticket.code}`);

    // Everything a person typed is escaped in the HTML part; nothing of it is markup.
    expect(email.html).toContain(ESCAPED_TITLE);
    expect(email.html).toContain('Hall &quot;A&quot; &amp; B');
    expect(email.html).toContain('Ada &lt;Lovelace&gt; &amp; co');
    expect(email.html).toContain('VIP &lt;gold&gt;');
    expect(email.html).not.toMatch(/<script|<Roll>|<gold>|<Lovelace>/);
    for (const ticket of tickets) expect(email.html).toContain(ticket.code);

    // One inline PNG per ticket; the HTML shows exactly those, by cid:, and loads nothing remote.
    expect(email.attachments).toHaveLength(3);
    const sources = imageSources(email.html);
    expect(sources.filter((src) => /^https?:/i.test(src))).toEqual([]);
    expect(email.html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(sources.sort()).toEqual(email.attachments.map((a) => `cid:${a.contentId}`).sort());
    for (const attachment of email.attachments) expect(attachment.contentType).toBe('image/png');
    const decoded = email.attachments.map((attachment) => decodeQrPng(attachment.content));
    expect(decoded.sort()).toEqual(tickets.map((ticket) => ticket.code).sort());

    await waitForEmailsSettled(db);
    expect(smtp.to(buyer.email)).toHaveLength(1);
  });

  it('a cancelled pending order sends a cancellation notice with its total in the order currency', async () => {
    const buyer = await createUser(api, db, 'USER', 'Grace');
    const event = await createEvent(api, organizer, {
      title: 'Jazz & Blues',
      currency: 'EUR',
      ticketTypes: [{ name: 'Seat', priceCents: 1_250, capacity: 10 }],
    });
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 2 },
    ]);
    expect((await cancelOrder(api, buyer, held.body.id as string)).status).toBe(200);

    const [email] = await smtp.waitFor(buyer.email, subjectIs('Order cancelled: Jazz & Blues'));
    expect(email.recipients).toEqual([buyer.email]);
    expect(email.text).toContain(`Order: ${held.body.id}`);
    expect(email.text).toContain('Order total: EUR 25.00');
    expect(email.html).toContain('Order total: EUR 25.00');
    expect(email.html).toContain('Jazz &amp; Blues');
    expect(email.attachments).toEqual([]);
    await waitForEmailsSettled(db);
    expect(smtp.to(buyer.email).map((e) => e.subject)).toEqual(['Order cancelled: Jazz & Blues']);
  });

  it('a refunded order sends its confirmation, then a refund notice with what came back and the fee kept', async () => {
    const buyer = await createUser(api, db, 'USER', 'Hedy');
    const event = await createEvent(api, organizer, {
      title: 'Refund Gala',
      refundFeeCents: 250,
      ticketTypes: [{ name: 'Seat', priceCents: 5_000, capacity: 10 }],
    });
    const orderId = await paidOrder(buyer, event.ticketTypes[0].id);
    await smtp.waitFor(buyer.email, subjectIs('Your tickets for Refund Gala'));
    const cancelled = await cancelOrder(api, buyer, orderId);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'REFUNDED', refundedCents: 4_750 });

    const [email] = await smtp.waitFor(buyer.email, subjectIs('Refund: Refund Gala'));
    expect(email.text).toContain('Refunded: USD 47.50 of USD 50.00');
    expect(email.text).toContain('Refund fee kept by the organizer: USD 2.50');
    expect(email.html).toContain('Refunded: USD 47.50 of USD 50.00');
    expect(email.html).toContain('Refund fee kept by the organizer: USD 2.50');
    await waitForEmailsSettled(db);
    expect(smtp.to(buyer.email).map((e) => e.subject)).toEqual([
      'Your tickets for Refund Gala',
      'Refund: Refund Gala',
    ]);
    await expectMoneyInvariant(db);
  });

  it('an event cancellation reaches every holder exactly once (not who had refunded), a refused send retried for that holder alone', async () => {
    const [twice, once, refunded, busy, onlyHeld] = await Promise.all(
      ['Twice', 'Once', 'Refunded', 'Busy', 'Only held'].map((name) =>
        createUser(api, db, 'USER', name),
      ),
    );
    const event = await createEvent(api, organizer, {
      title: 'Doomed <Fest>',
      ticketTypes: [{ name: 'Seat', priceCents: 1_000, capacity: 50 }],
    });
    const typeId = event.ticketTypes[0].id;
    await paidOrder(twice, typeId, 2);
    await paidOrder(twice, typeId, 1);
    await paidOrder(once, typeId);
    await paidOrder(busy, typeId);
    const refundedOrder = await paidOrder(refunded, typeId);
    expect((await cancelOrder(api, refunded, refundedOrder)).status).toBe(200);
    expect((await placeOrder(api, onlyHeld, [{ ticketTypeId: typeId, quantity: 1 }])).status).toBe(
      201,
    );
    await waitForEmailsSettled(db);

    const notice = 'Cancelled: Doomed <Fest>';
    // The mail server turns the first cancellation email to this holder away with a 451.
    smtp.failNext(busy.email, subjectIs(notice));
    const res = await api.http
      .post(`/api/events/${event.id}/cancel`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(200);

    for (const holder of [twice, once, busy]) await smtp.waitFor(holder.email, subjectIs(notice));
    await waitForEmailsSettled(db);
    expect(smtp.refused).toEqual([`${busy.email}: ${notice}`]);
    // Who gave their tickets back before the cancellation holds none: no notice for them.
    expect(smtp.to(refunded.email).filter(subjectIs(notice))).toEqual([]);
    for (const holder of [twice, once, busy]) {
      const received = smtp.to(holder.email).filter(subjectIs(notice));
      expect([holder.email, received.length]).toEqual([holder.email, 1]);
      expect(received[0].recipients).toEqual([holder.email]);
      expect(received[0].html).toContain('Doomed &lt;Fest&gt;');
    }
    // A pending order is no holding: its buyer hears of the cancelled order, not as a holder.
    expect(smtp.to(onlyHeld.email).map((e) => e.subject)).toEqual([
      'Order cancelled: Doomed <Fest>',
    ]);
    // The paid orders the cancellation refunded each send their refund notice, once.
    expect(smtp.to(twice.email).filter(subjectIs('Refund: Doomed <Fest>'))).toHaveLength(2);
    expect(smtp.to(once.email).filter(subjectIs('Refund: Doomed <Fest>'))).toHaveLength(1);
    expect(smtp.to(refunded.email).filter(subjectIs('Refund: Doomed <Fest>'))).toHaveLength(1);
    await expectMoneyInvariant(db);
  });
});
