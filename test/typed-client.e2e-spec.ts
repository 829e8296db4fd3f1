import type { AddressInfo } from 'node:net';
import { walkJourneys } from '../examples/typed-client/journey.js';
import { expectMoneyInvariant } from './support/money.js';
import { expectStockInvariant } from './support/orders.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createUser, PASSWORD } from './support/users.js';

/** The client generated from openapi.json (examples/typed-client) walks both journeys for real. */
describe('A typed client generated from openapi.json (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('signs in, sells with a sales window, holds, pays, lists tickets, checks in, and reads typed 409s', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const server = api.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const report = await walkJourneys({
      baseUrl: `http://127.0.0.1:${port}`,
      organizer: { email: organizer.email, password: PASSWORD },
      buyerEmail: `typed-${Date.now()}@example.com`,
    });

    expect(report.ticketCodes).toHaveLength(2);
    expect(report.availableWhenSoldOut).toBe(1);
    expect(Date.parse(report.firstCheckedInAt)).not.toBeNaN();
    const order = await db.sql.query<{ status: string }>(
      'SELECT status FROM orders WHERE id = $1',
      [report.orderId],
    );
    expect(order.rows[0].status).toBe('PAID');
    await expectStockInvariant(db);
    await expectMoneyInvariant(db);
  });
});
