import type { Response } from 'supertest';
import type { TestApp } from './test-app.js';
import type { TestDatabase } from './test-database.js';
import type { TestUser } from './users.js';

export interface Item {
  ticketTypeId: string;
  quantity: number;
}

export function placeOrder(
  api: TestApp,
  buyer: TestUser,
  items: Item[],
  idempotencyKey?: string,
): Promise<Response> {
  const request = api.http.post('/api/orders').set('authorization', `Bearer ${buyer.accessToken}`);
  if (idempotencyKey) void request.set('idempotency-key', idempotencyKey);
  return request.send({ items });
}

export function payOrder(
  api: TestApp,
  buyer: TestUser,
  orderId: string,
  paymentToken = 'tok_visa',
  idempotencyKey?: string,
): Promise<Response> {
  const request = api.http
    .post(`/api/orders/${orderId}/pay`)
    .set('authorization', `Bearer ${buyer.accessToken}`);
  if (idempotencyKey) void request.set('idempotency-key', idempotencyKey);
  return request.send({ paymentToken });
}

export function cancelOrder(api: TestApp, caller: TestUser, orderId: string): Promise<Response> {
  return api.http
    .post(`/api/orders/${orderId}/cancel`)
    .set('authorization', `Bearer ${caller.accessToken}`)
    .send();
}

export interface StockRow {
  id: string;
  capacity: number;
  available: number;
  held: number;
  sold: number;
}

/** Per ticket type: capacity, available, and what the orders say is held (PENDING) and sold (PAID). */
export async function stock(db: TestDatabase, eventId?: string): Promise<StockRow[]> {
  const { rows } = await db.sql.query<StockRow>(
    `SELECT t.id, t.capacity, t.available,
            coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'PENDING'), 0)::int AS held,
            coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'PAID'), 0)::int AS sold
       FROM ticket_types t
       LEFT JOIN order_items oi ON oi.ticket_type_id = t.id
       LEFT JOIN orders o ON o.id = oi.order_id
      WHERE $1::uuid IS NULL OR t.event_id = $1::uuid
      GROUP BY t.id
      ORDER BY t.id`,
    [eventId ?? null],
  );
  return rows;
}

/** The invariant of API.md, checked in SQL for every ticket type: available = capacity − held − sold. */
export async function expectStockInvariant(db: TestDatabase): Promise<void> {
  const rows = await stock(db);
  expect(rows.length).toBeGreaterThan(0);
  const broken = rows.filter(
    (row) => row.available !== row.capacity - row.held - row.sold || row.available < 0,
  );
  expect(broken).toEqual([]);
}

export async function available(db: TestDatabase, ticketTypeId: string): Promise<number> {
  const { rows } = await db.sql.query<{ available: number }>(
    'SELECT available FROM ticket_types WHERE id = $1',
    [ticketTypeId],
  );
  return rows[0].available;
}

export async function orderStatus(db: TestDatabase, orderId: string): Promise<string> {
  const { rows } = await db.sql.query<{ status: string }>(
    'SELECT status FROM orders WHERE id = $1',
    [orderId],
  );
  return rows[0].status;
}

/** Counts answers by status, e.g. { 201: 50, 409: 150 }. */
export function statusCounts(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
}
