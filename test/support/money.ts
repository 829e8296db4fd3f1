import type { TestDatabase } from './test-database.js';

export interface MoneyRow {
  id: string;
  status: string;
  total_cents: number;
  paid: number;
  refunded: number;
  kept: number;
}

/**
 * The money invariant of API.md, in SQL, for every order: succeeded payments − succeeded refunds
 * = what the order keeps (its total when PAID, the fee kept when REFUNDED, 0 otherwise). Also:
 * no attempt still open, no refund still owed, and, for the built-in test provider, its own books
 * agree with ours charge for charge and refund for refund.
 */
export async function moneyProblems(db: TestDatabase): Promise<Record<string, unknown[]>> {
  const broken = await db.sql.query<MoneyRow>(
    `WITH money AS (
       SELECT o.id, o.status, o.total_cents,
              coalesce((SELECT sum(p.amount_cents) FROM payments p WHERE p.order_id = o.id AND p.status = 'SUCCEEDED'), 0)::int AS paid,
              coalesce((SELECT sum(r.amount_cents) FROM refunds r WHERE r.order_id = o.id AND r.status = 'SUCCEEDED'), 0)::int AS refunded,
              CASE o.status WHEN 'PAID' THEN o.total_cents WHEN 'REFUNDED' THEN o.total_cents - o.refunded_cents ELSE 0 END AS kept
         FROM orders o)
     SELECT * FROM money WHERE paid - refunded <> kept`,
  );
  const unpaid = await db.sql.query(
    `SELECT o.id, o.status FROM orders o
      WHERE o.status = 'PAID' AND o.total_cents > 0
        AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.applied AND p.status = 'SUCCEEDED')`,
  );
  const open = await db.sql.query(
    `SELECT id, status FROM payments WHERE status IN ('PROCESSING', 'REQUIRES_ACTION')`,
  );
  const owed = await db.sql.query(
    `SELECT id, attempts, last_error FROM refunds WHERE status = 'PENDING'`,
  );
  const charges = await db.sql.query(
    `SELECT coalesce(p.id, t.payment_id) AS id, p.status, t.outcome, p.amount_cents, t.amount_cents AS provider_cents
       FROM payments p
       FULL JOIN test_provider_payments t ON t.payment_id = p.id
      WHERE coalesce(p.provider, 'test') = 'test'
        AND (coalesce(p.status = 'SUCCEEDED', false) IS DISTINCT FROM coalesce(t.outcome = 'SUCCEEDED', false)
             OR (t.outcome = 'SUCCEEDED' AND p.amount_cents IS DISTINCT FROM t.amount_cents))`,
  );
  const refunds = await db.sql.query(
    `SELECT coalesce(r.id, t.refund_id) AS id, r.status, r.amount_cents, t.amount_cents AS provider_cents
       FROM refunds r
       JOIN payments p ON p.id = r.payment_id AND p.provider = 'test'
       FULL JOIN test_provider_refunds t ON t.refund_id = r.id
      WHERE coalesce(r.status = 'SUCCEEDED', false) IS DISTINCT FROM (t.refund_id IS NOT NULL)
         OR (t.refund_id IS NOT NULL AND r.amount_cents IS DISTINCT FROM t.amount_cents)`,
  );
  const problems: Record<string, unknown[]> = {
    'orders whose money does not add up': broken.rows,
    'paid orders without the payment that paid them': unpaid.rows,
    'payment attempts still open': open.rows,
    'refunds still owed': owed.rows,
    'charges the provider and we disagree on': charges.rows,
    'refunds the provider and we disagree on': refunds.rows,
  };
  return Object.fromEntries(Object.entries(problems).filter(([, rows]) => rows.length > 0));
}

export async function expectMoneyInvariant(db: TestDatabase): Promise<void> {
  expect(await moneyProblems(db)).toEqual({});
}
