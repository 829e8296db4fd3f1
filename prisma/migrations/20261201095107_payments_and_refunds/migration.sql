-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('PROCESSING', 'REQUIRES_ACTION', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('PENDING', 'SUCCEEDED');

-- CreateEnum
CREATE TYPE "RefundReason" AS ENUM ('REQUESTED_BY_BUYER', 'CANCELLED_BY_ORGANIZER', 'EVENT_CANCELLED', 'NOT_PAYABLE');

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "refund_deadline" TIMESTAMPTZ(3),
ADD COLUMN     "refund_fee_cents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refund_fee_percent" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refunds_allowed" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
-- (payment_ref is dropped at the end, once its charges are moved into payments.)
ALTER TABLE "orders" ADD COLUMN     "refunded_cents" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "idempotency_keys" ADD COLUMN     "resource_id" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "provider" VARCHAR(20) NOT NULL,
    "provider_ref" VARCHAR(255),
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "PaymentStatus" NOT NULL DEFAULT 'PROCESSING',
    "applied" BOOLEAN NOT NULL DEFAULT false,
    "declines" INTEGER NOT NULL DEFAULT 0,
    "failure_reason" VARCHAR(500),
    "lease_until" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settled_at" TIMESTAMPTZ(3),

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refunds" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "payment_id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reason" "RefundReason" NOT NULL,
    "status" "RefundStatus" NOT NULL DEFAULT 'PENDING',
    "provider_ref" VARCHAR(255),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "refusals" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_error" VARCHAR(500),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "succeeded_at" TIMESTAMPTZ(3),

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_events" (
    "provider" VARCHAR(20) NOT NULL,
    "event_id" VARCHAR(255) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_events_pkey" PRIMARY KEY ("provider","event_id")
);

-- CreateTable
CREATE TABLE "test_provider_payments" (
    "payment_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "outcome" VARCHAR(20) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "test_provider_payments_pkey" PRIMARY KEY ("payment_id")
);

-- CreateTable
CREATE TABLE "test_provider_refunds" (
    "refund_id" UUID NOT NULL,
    "payment_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "test_provider_refunds_pkey" PRIMARY KEY ("refund_id")
);

-- CreateIndex
CREATE INDEX "payments_order_id_idx" ON "payments"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "refunds_payment_id_key" ON "refunds"("payment_id");

-- CreateIndex
CREATE INDEX "refunds_order_id_idx" ON "refunds"("order_id");

-- CreateIndex
CREATE INDEX "provider_events_received_at_idx" ON "provider_events"("received_at");

-- CreateIndex
CREATE INDEX "test_provider_refunds_payment_id_idx" ON "test_provider_refunds"("payment_id");

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written. Money as records: every attempt to take an order's money is a payments row written
-- before the provider is called, and every refund a refunds row written before the provider is
-- called. docs/concurrency.md explains the design and the one lock order every function follows:
--
--     events -> orders (ascending id) -> tickets -> ticket_types (ascending id) -> payments -> refunds
--
-- A function takes the locks it needs in that order, skipping those it does not need. "events" is
-- an event's sales lock (eventflow_lock_event_sales): holds take it shared, an event cancellation
-- or a currency change exclusive, so a hold in flight is either seen by the cancellation or sees
-- it. Writes that check a foreign key take KEY SHARE on the referenced row, and nothing takes FOR
-- UPDATE on a row others reference (only deletes of rows nothing references yet), so those checks
-- never wait: a payment inserting tickets never waits on its event or its stock row.
-- ---------------------------------------------------------------------------------------------

-- Existing charges and refunds, moved into the new tables (the test provider was the only one).
INSERT INTO "payments" ("id", "order_id", "provider", "provider_ref", "amount_cents", "currency", "status", "applied",
                        "lease_until", "created_at", "updated_at", "settled_at")
SELECT gen_random_uuid(), o."id", 'test', o."payment_ref", o."total_cents", o."currency", 'SUCCEEDED', o."paid_at" IS NOT NULL,
       coalesce(o."paid_at", o."created_at"), coalesce(o."paid_at", o."created_at"), now(), coalesce(o."paid_at", o."created_at")
  FROM "orders" o
 WHERE o."payment_ref" IS NOT NULL AND o."total_cents" > 0;

INSERT INTO "refunds" ("payment_id", "order_id", "amount_cents", "currency", "reason", "status", "next_attempt_at", "succeeded_at")
SELECT p."id", o."id", p."amount_cents", p."currency",
       (CASE WHEN NOT p."applied" THEN 'NOT_PAYABLE'
             WHEN e."cancelled_at" IS NOT NULL THEN 'EVENT_CANCELLED'
             ELSE 'REQUESTED_BY_BUYER' END)::"RefundReason",
       (CASE WHEN o."refunded_at" IS NULL THEN 'PENDING' ELSE 'SUCCEEDED' END)::"RefundStatus",
       now(), o."refunded_at"
  FROM "payments" p
  JOIN "orders" o ON o."id" = p."order_id"
  JOIN "events" e ON e."id" = o."event_id"
 WHERE o."status" <> 'PAID';

UPDATE "orders" o SET "status" = 'REFUNDED', "refunded_cents" = o."total_cents"
  FROM "payments" p
 WHERE p."order_id" = o."id" AND p."applied" AND o."status" = 'CANCELLED';
-- The test provider's books, which it kept in memory until now, as they were.
INSERT INTO "test_provider_payments" ("payment_id", "amount_cents", "currency", "outcome")
SELECT "id", "amount_cents", "currency", 'SUCCEEDED' FROM "payments";
INSERT INTO "test_provider_refunds" ("refund_id", "payment_id", "amount_cents")
SELECT "id", "payment_id", "amount_cents" FROM "refunds" WHERE "status" = 'SUCCEEDED';

-- refunded_at now means "the refund of a REFUNDED order went through": a late charge's refund is
-- on its refunds row.
UPDATE "orders" SET "refunded_at" = NULL WHERE "status" <> 'REFUNDED' AND "refunded_at" IS NOT NULL;

DROP INDEX IF EXISTS "orders_refund_owed_idx";
ALTER TABLE "orders" DROP COLUMN "payment_ref";

ALTER TABLE "events"
    ADD CONSTRAINT "events_refund_fee_check" CHECK ("refund_fee_cents" >= 0 AND "refund_fee_percent" BETWEEN 0 AND 100);

ALTER TABLE "orders"
    ADD CONSTRAINT "orders_refunded_check" CHECK (
        "refunded_cents" >= 0 AND "refunded_cents" <= "total_cents"
        AND ("refunded_cents" = 0 OR "status" = 'REFUNDED')
        AND ("refunded_at" IS NULL OR "status" = 'REFUNDED')
        AND ("status" <> 'REFUNDED' OR "cancelled_at" IS NOT NULL)
    );

ALTER TABLE "payments"
    ADD CONSTRAINT "payments_amount_check" CHECK ("amount_cents" > 0),
    ADD CONSTRAINT "payments_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$'),
    ADD CONSTRAINT "payments_provider_check" CHECK ("provider" IN ('test', 'stripe')),
    ADD CONSTRAINT "payments_applied_check" CHECK (NOT "applied" OR "status" = 'SUCCEEDED'),
    ADD CONSTRAINT "payments_declines_check" CHECK ("declines" >= 0),
    ADD CONSTRAINT "payments_settled_check" CHECK (("status" IN ('SUCCEEDED', 'FAILED')) = ("settled_at" IS NOT NULL));

ALTER TABLE "refunds"
    ADD CONSTRAINT "refunds_amount_check" CHECK ("amount_cents" > 0),
    ADD CONSTRAINT "refunds_attempts_check" CHECK ("attempts" >= 0 AND "refusals" >= 0),
    ADD CONSTRAINT "refunds_succeeded_check" CHECK (("status" = 'SUCCEEDED') = ("succeeded_at" IS NOT NULL));

-- At most one open attempt per order: a second pay of the same order finds it and answers 409.
CREATE UNIQUE INDEX "payments_one_open_per_order" ON "payments" ("order_id") WHERE "status" IN ('PROCESSING', 'REQUIRES_ACTION');
-- At most one payment pays an order; any other that succeeds is refunded.
CREATE UNIQUE INDEX "payments_one_applied_per_order" ON "payments" ("order_id") WHERE "applied";
-- The reconciler's and the refund retrier's queues.
CREATE INDEX "payments_open_lease_idx" ON "payments" ("lease_until") WHERE "status" IN ('PROCESSING', 'REQUIRES_ACTION');
CREATE INDEX "refunds_due_idx" ON "refunds" ("next_attempt_at") WHERE "status" = 'PENDING';

-- Money the provider took is a fact: a succeeded payment never becomes anything else, and only a
-- succeeded payment can be refunded, in its own currency, for at most what it took.
CREATE FUNCTION eventflow_payment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'SUCCEEDED' AND NEW.status <> 'SUCCEEDED' THEN
        RAISE EXCEPTION 'eventflow: payment % succeeded; it cannot become %', OLD.id, NEW.status;
    END IF;
    IF NEW.amount_cents <> OLD.amount_cents OR NEW.currency <> OLD.currency OR NEW.order_id <> OLD.order_id THEN
        RAISE EXCEPTION 'eventflow: the amount, currency and order of payment % never change', OLD.id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER "payments_guard" BEFORE UPDATE ON "payments" FOR EACH ROW EXECUTE FUNCTION eventflow_payment_guard();

CREATE FUNCTION eventflow_refund_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_payment payments;
BEGIN
    SELECT * INTO v_payment FROM payments WHERE id = NEW.payment_id;
    IF v_payment.status IS DISTINCT FROM 'SUCCEEDED' OR NEW.amount_cents > v_payment.amount_cents
       OR NEW.currency <> v_payment.currency OR NEW.order_id <> v_payment.order_id THEN
        RAISE EXCEPTION 'eventflow: refund of % cents % for payment % (% cents %, %) refused',
            NEW.amount_cents, NEW.currency, NEW.payment_id, v_payment.amount_cents, v_payment.currency, v_payment.status;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.amount_cents <> OLD.amount_cents OR NEW.payment_id <> OLD.payment_id
                             OR (OLD.status = 'SUCCEEDED' AND NEW.status <> 'SUCCEEDED')) THEN
        RAISE EXCEPTION 'eventflow: refund % cannot change its amount, its payment or its success', OLD.id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER "refunds_guard" BEFORE INSERT OR UPDATE ON "refunds" FOR EACH ROW EXECUTE FUNCTION eventflow_refund_guard();

ALTER TABLE "test_provider_payments" ADD CONSTRAINT "test_provider_payments_outcome_check" CHECK ("outcome" IN ('SUCCEEDED', 'CANCELED'));

-- ---------------------------------------------------------------------------------------------
-- The order functions, again, in the one lock order.
-- ---------------------------------------------------------------------------------------------

DROP FUNCTION eventflow_mark_paid(uuid, text, text[], uuid[]);
DROP FUNCTION eventflow_cancel_order(uuid, "OrderStatus");
DROP FUNCTION eventflow_cancel_event(uuid);

-- The sales of an event, serialised against its cancellation (and its currency changing): holds
-- take this lock shared, those take it exclusive. A heavyweight lock, not a row lock, because its
-- queue is fair: once a cancellation waits, holds arriving after it wait behind it, so a busy
-- on-sale cannot starve it (row locks let new compatible lockers in ahead of a waiter). Taken first
-- of all, before any row lock.
CREATE FUNCTION eventflow_lock_event_sales(p_event_id uuid, p_exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- A 64-bit key: two events sharing one (and so waiting for each other) is out of reach.
    IF p_exclusive THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('eventflow:event-sales:' || p_event_id::text, 0));
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtextextended('eventflow:event-sales:' || p_event_id::text, 0));
    END IF;
END
$$;

-- A ticket code: 122 random bits of PostgreSQL's CSPRNG (gen_random_uuid draws on
-- pg_strong_random), as 22 base64url characters.
CREATE FUNCTION eventflow_new_ticket_code() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/=', '-_')
$$;

-- The purchase rules that do not depend on stock, written once for both hold functions: the ticket
-- type exists and its event is published, the event is not cancelled and has not started, sales
-- are open and not closed, and the quantity is within maxPerOrder. Null when all hold.
CREATE FUNCTION eventflow_purchase_refusal(p_ticket_type_id uuid, t ticket_types, e events, p_quantity int) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN t.id IS NULL OR e.id IS NULL OR NOT e.published THEN
            jsonb_build_object('outcome', 'NOT_FOUND', 'ticketTypeId', p_ticket_type_id)
        WHEN e.cancelled_at IS NOT NULL THEN
            jsonb_build_object('outcome', 'EVENT_CANCELLED', 'ticketTypeId', p_ticket_type_id)
        WHEN e.starts_at <= now() THEN
            jsonb_build_object('outcome', 'EVENT_STARTED', 'ticketTypeId', p_ticket_type_id)
        WHEN t.sales_start_at IS NOT NULL AND t.sales_start_at > now() THEN
            jsonb_build_object('outcome', 'SALES_NOT_OPEN', 'ticketTypeId', p_ticket_type_id, 'salesStartAt', t.sales_start_at)
        WHEN t.sales_end_at IS NOT NULL AND t.sales_end_at <= now() THEN
            jsonb_build_object('outcome', 'SALES_CLOSED', 'ticketTypeId', p_ticket_type_id, 'salesEndAt', t.sales_end_at)
        WHEN p_quantity > t.max_per_order THEN
            jsonb_build_object('outcome', 'OVER_MAX_PER_ORDER', 'ticketTypeId', p_ticket_type_id, 'maxPerOrder', t.max_per_order)
    END
$$;

-- Returns stock of the given orders, whose status the caller has just moved out of PENDING/PAID
-- in this transaction (so it comes back exactly once): their tickets void, then their ticket
-- types in id order. A customer still on a provider's payment page for one of them has that
-- payment cancelled by the next sweep.
CREATE OR REPLACE FUNCTION eventflow_release_stock(p_order_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    line record;
BEGIN
    UPDATE tickets SET status = 'VOID' WHERE order_id = ANY (p_order_ids) AND status = 'VALID';
    FOR line IN
        SELECT ticket_type_id, sum(quantity)::int AS quantity
          FROM order_items
         WHERE order_id = ANY (p_order_ids)
         GROUP BY ticket_type_id
         ORDER BY ticket_type_id
    LOOP
        UPDATE ticket_types SET available = available + line.quantity WHERE id = line.ticket_type_id;
    END LOOP;
    UPDATE payments SET lease_until = now()
     WHERE order_id = ANY (p_order_ids) AND status = 'REQUIRES_ACTION' AND lease_until > now();
END
$$;

-- Holds stock for every item of an order at once, all or nothing, and inserts the PENDING order.
-- The event's sales lock is taken first (shared; eventflow_lock_event_sales), and the event read
-- after it: an event cancellation or currency change in flight is waited for and seen, and one
-- arriving later waits for this hold. Every rule is checked inside the transaction that takes the stock. The hot
-- ticket_types row is locked last, by a conditional decrement, and held until the commit only. A
-- decrement that loses a race raises, which rolls back the whole call, inserts included; the
-- application reads the reason from the message ("eventflow:<reason>:<ticket type>:<available>").
-- An order of the same id already there is an Idempotency-Key retried after its first request
-- committed: {"outcome": "EXISTS"}. Else {"outcome": "HELD", "order": ...} or the refusal.
CREATE OR REPLACE FUNCTION eventflow_hold_order(
    p_order_id uuid,
    p_user_id uuid,
    p_ticket_type_ids uuid[],
    p_quantities int[],
    p_hold_seconds int
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    item record;
    v_event_id uuid;
    v_event events;
    v_refusal jsonb;
    v_held int;
    v_available int;
    v_total bigint := 0;
    v_items jsonb := '[]';
    v_order record;
BEGIN
    IF EXISTS (SELECT 1 FROM orders WHERE id = p_order_id AND user_id = p_user_id) THEN
        RETURN jsonb_build_object('outcome', 'EXISTS');
    END IF;

    -- 1. The event of the first ticket type (in id order): its sales lock, then the event as it is
    --    once the lock is held (a new statement, so a new snapshot); then the rules, item by item.
    SELECT t.event_id INTO v_event_id FROM ticket_types t WHERE t.id = ANY (p_ticket_type_ids) ORDER BY t.id LIMIT 1;
    IF v_event_id IS NOT NULL THEN
        PERFORM eventflow_lock_event_sales(v_event_id, false);
    END IF;
    SELECT e.* INTO v_event FROM events e WHERE e.id = v_event_id;
    FOR item IN
        SELECT r.id, r.quantity, t AS ticket_type, t.id AS found, t.event_id, t.name, t.price_cents, t.available,
               e.published
          FROM unnest(p_ticket_type_ids, p_quantities) AS r(id, quantity)
          LEFT JOIN ticket_types t ON t.id = r.id
          LEFT JOIN events e ON e.id = t.event_id
         ORDER BY r.id
    LOOP
        IF item.found IS NULL OR (item.event_id <> v_event.id AND NOT item.published) THEN
            RETURN jsonb_build_object('outcome', 'NOT_FOUND', 'ticketTypeId', item.id);
        END IF;
        IF item.event_id <> v_event.id THEN
            RETURN jsonb_build_object('outcome', 'MIXED_EVENTS', 'ticketTypeId', item.id);
        END IF;
        v_refusal := eventflow_purchase_refusal(item.id, item.ticket_type, v_event, item.quantity);
        IF v_refusal IS NOT NULL THEN
            RETURN v_refusal;
        END IF;
        -- Sold out as far as this snapshot knows: refuse without writing anything. (A sold-out
        -- storm ends here, cheaply; the decrement below stays the one that decides.)
        IF item.available < item.quantity THEN
            RETURN jsonb_build_object('outcome', 'SOLD_OUT', 'ticketTypeId', item.id, 'available', item.available);
        END IF;
        v_total := v_total + item.quantity::bigint * item.price_cents;
        v_items := v_items || jsonb_build_object('ticketTypeId', item.id, 'name', item.name,
                                                 'quantity', item.quantity, 'unitPriceCents', item.price_cents);
    END LOOP;
    IF v_total > 2147483647 THEN
        RETURN jsonb_build_object('outcome', 'TOTAL_TOO_LARGE');
    END IF;

    -- 2. maxPerBuyer: one account's holds of one type are serialised by an advisory lock, so many
    --    simultaneous requests from it cannot all pass the check; each statement below reads a
    --    fresh snapshot taken after the lock, so it sees every earlier holder's committed order.
    FOR item IN
        SELECT r.id, r.quantity, t.max_per_buyer
          FROM unnest(p_ticket_type_ids, p_quantities) AS r(id, quantity)
          JOIN ticket_types t ON t.id = r.id
         WHERE t.max_per_buyer IS NOT NULL
         ORDER BY r.id
    LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended(p_user_id::text || ':' || item.id::text, 0));
        SELECT coalesce(sum(oi.quantity), 0)::int INTO v_held
          FROM order_items oi
          JOIN orders o ON o.id = oi.order_id
         WHERE o.user_id = p_user_id AND oi.ticket_type_id = item.id AND o.status IN ('PENDING', 'PAID');
        IF v_held + item.quantity > item.max_per_buyer THEN
            RETURN jsonb_build_object('outcome', 'OVER_MAX_PER_BUYER', 'ticketTypeId', item.id,
                                      'maxPerBuyer', item.max_per_buyer, 'alreadyHeld', v_held);
        END IF;
    END LOOP;

    -- 3. The order and its items, before any stock row is locked.
    INSERT INTO orders (id, user_id, event_id, status, total_cents, currency, expires_at)
    VALUES (p_order_id, p_user_id, v_event.id, 'PENDING', v_total, v_event.currency, now() + make_interval(secs => p_hold_seconds))
    RETURNING id, event_id, total_cents, currency, expires_at, created_at INTO v_order;
    INSERT INTO order_items (order_id, ticket_type_id, name, quantity, unit_price_cents)
    SELECT p_order_id, (i ->> 'ticketTypeId')::uuid, i ->> 'name', (i ->> 'quantity')::int, (i ->> 'unitPriceCents')::int
      FROM jsonb_array_elements(v_items) AS i;

    -- 4. The hold: a conditional decrement per ticket type, in id order. Losing the race raises.
    FOR item IN
        SELECT r.id, r.quantity FROM unnest(p_ticket_type_ids, p_quantities) AS r(id, quantity) ORDER BY r.id
    LOOP
        UPDATE ticket_types SET available = available - item.quantity
         WHERE id = item.id AND available >= item.quantity;
        IF NOT FOUND THEN
            SELECT available INTO v_available FROM ticket_types WHERE id = item.id;
            RAISE EXCEPTION 'eventflow:SOLD_OUT:%:%', item.id, v_available;
        END IF;
    END LOOP;

    RETURN jsonb_build_object('outcome', 'HELD', 'order', jsonb_build_object(
        'id', v_order.id, 'eventId', v_order.event_id, 'totalCents', v_order.total_cents, 'currency', v_order.currency,
        'expiresAt', v_order.expires_at, 'createdAt', v_order.created_at, 'items', v_items));
END
$$;

-- Holds for many buyers of one ticket type in one transaction: the flash-sale path (hold-batcher.ts).
-- The event's sales lock first (shared), the rules checked per request before the row lock,
-- then the one row lock of the batch (NO KEY UPDATE: inserts that merely reference the ticket type
-- never wait for it). Each buyer gets all or nothing, in arrival order. One result per request, in
-- the order given, or {"outcome": "SINGLE"} for all when the ticket type has maxPerBuyer (its
-- per-buyer lock must come before the row lock: those go through eventflow_hold_order instead).
CREATE OR REPLACE FUNCTION eventflow_hold_batch(
    p_order_ids uuid[],
    p_user_ids uuid[],
    p_ticket_type_id uuid,
    p_quantities int[],
    p_hold_seconds int
) RETURNS jsonb[]
LANGUAGE plpgsql AS $$
DECLARE
    v_type ticket_types;
    v_event events;
    v_refusals jsonb[] := '{}';
    v_remaining int;
    v_price int;
    v_name text;
    v_results jsonb[] := '{}';
    v_granted int[] := '{}';
    v_expires_at timestamptz := now() + make_interval(secs => p_hold_seconds);
    i int;
BEGIN
    SELECT t.* INTO v_type FROM ticket_types t WHERE t.id = p_ticket_type_id;
    IF v_type.id IS NOT NULL THEN
        PERFORM eventflow_lock_event_sales(v_type.event_id, false);
    END IF;
    SELECT e.* INTO v_event FROM events e WHERE e.id = v_type.event_id;
    IF v_type.id IS NOT NULL AND v_event.published AND v_type.max_per_buyer IS NOT NULL THEN
        RETURN array_fill(jsonb_build_object('outcome', 'SINGLE'), ARRAY[cardinality(p_order_ids)]);
    END IF;
    FOR i IN 1 .. cardinality(p_order_ids) LOOP
        v_refusals := v_refusals || eventflow_purchase_refusal(p_ticket_type_id, v_type, v_event, p_quantities[i]);
    END LOOP;
    IF array_position(v_refusals, NULL) IS NULL THEN
        RETURN v_refusals;
    END IF;

    -- The one row lock of the batch. Its price and name are read under it.
    SELECT available, price_cents, name INTO v_remaining, v_price, v_name
      FROM ticket_types WHERE id = p_ticket_type_id FOR NO KEY UPDATE;

    FOR i IN 1 .. cardinality(p_order_ids) LOOP
        IF v_refusals[i] IS NOT NULL THEN
            v_results := v_results || v_refusals[i];
        ELSIF p_quantities[i]::bigint * v_price > 2147483647 THEN
            v_results := v_results || jsonb_build_object('outcome', 'TOTAL_TOO_LARGE');
        ELSIF p_quantities[i] <= v_remaining THEN
            v_remaining := v_remaining - p_quantities[i];
            v_granted := v_granted || i;
            v_results := v_results || jsonb_build_object('outcome', 'HELD', 'order', jsonb_build_object(
                'id', p_order_ids[i], 'eventId', v_event.id,
                'totalCents', p_quantities[i] * v_price, 'currency', v_event.currency,
                'expiresAt', v_expires_at, 'createdAt', now(),
                'items', jsonb_build_array(jsonb_build_object('ticketTypeId', p_ticket_type_id, 'name', v_name,
                                                              'quantity', p_quantities[i], 'unitPriceCents', v_price))));
        ELSE
            v_results := v_results || jsonb_build_object('outcome', 'SOLD_OUT', 'ticketTypeId', p_ticket_type_id, 'available', v_remaining);
        END IF;
    END LOOP;

    IF cardinality(v_granted) > 0 THEN
        UPDATE ticket_types SET available = v_remaining WHERE id = p_ticket_type_id;
        INSERT INTO orders (id, user_id, event_id, status, total_cents, currency, expires_at, created_at)
        SELECT p_order_ids[g], p_user_ids[g], v_event.id, 'PENDING', p_quantities[g] * v_price,
               v_event.currency, v_expires_at, now()
          FROM unnest(v_granted) AS g;
        INSERT INTO order_items (order_id, ticket_type_id, name, quantity, unit_price_cents)
        SELECT p_order_ids[g], p_ticket_type_id, v_name, p_quantities[g], v_price
          FROM unnest(v_granted) AS g;
    END IF;
    RETURN v_results;
END
$$;

-- PENDING -> PAID with one ticket per unit, if the order can still take it: pending, its event not
-- cancelled, and its hold not run out, unless p_payment_in_time (a payment attempt opened while
-- the hold ran completes it: its order is not expired while the attempt is open, so its stock is
-- still held). The caller holds the order's row lock. Returns paid_at, or null, changing nothing.
CREATE FUNCTION eventflow_mark_paid(p_order_id uuid, p_payment_in_time boolean) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    v_order record;
BEGIN
    UPDATE orders o SET status = 'PAID', paid_at = now()
     WHERE o.id = p_order_id AND o.status = 'PENDING' AND (o.expires_at > now() OR p_payment_in_time)
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.event_id AND e.cancelled_at IS NOT NULL)
    RETURNING o.user_id, o.event_id, o.paid_at INTO v_order;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO tickets (code, order_id, ticket_type_id, event_id, user_id)
    SELECT eventflow_new_ticket_code(), p_order_id, oi.ticket_type_id, v_order.event_id, v_order.user_id
      FROM order_items oi CROSS JOIN LATERAL generate_series(1, oi.quantity)
     WHERE oi.order_id = p_order_id;
    RETURN v_order.paid_at;
END
$$;

-- An order, locked (NO KEY UPDATE) and read as of that lock; the first lock of every function
-- that changes an existing order. Null when there is no such order (for that buyer, when given).
CREATE FUNCTION eventflow_lock_order(p_order_id uuid, p_user_id uuid DEFAULT NULL) RETURNS orders
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders;
BEGIN
    SELECT * INTO v_order FROM orders
     WHERE id = p_order_id AND (p_user_id IS NULL OR user_id = p_user_id)
       FOR NO KEY UPDATE;
    RETURN v_order;
END
$$;

-- Paying a free order: no provider, no payment row. {"outcome": PAID | NOT_FOUND | NOT_PENDING | EXPIRED}.
CREATE FUNCTION eventflow_pay_free_order(p_order_id uuid, p_user_id uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders := eventflow_lock_order(p_order_id, p_user_id);
    v_paid_at timestamptz;
BEGIN
    IF v_order.id IS NULL THEN
        RETURN jsonb_build_object('outcome', 'NOT_FOUND');
    ELSIF v_order.status <> 'PENDING' THEN
        RETURN jsonb_build_object('outcome', 'NOT_PENDING', 'orderStatus', v_order.status);
    ELSIF v_order.total_cents <> 0 THEN
        RAISE EXCEPTION 'eventflow_pay_free_order: order % costs % cents', p_order_id, v_order.total_cents;
    END IF;
    v_paid_at := eventflow_mark_paid(p_order_id, false);
    IF v_paid_at IS NULL THEN
        RETURN jsonb_build_object('outcome', 'EXPIRED');
    END IF;
    RETURN jsonb_build_object('outcome', 'PAID');
END
$$;

-- An attempt's view, as the payment functions return it.
CREATE FUNCTION eventflow_payment_json(p payments) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', p.id, 'orderId', p.order_id, 'provider', p.provider, 'providerRef', p.provider_ref,
                              'amountCents', p.amount_cents, 'currency', p.currency, 'status', p.status,
                              'declines', p.declines, 'applied', p.applied, 'failureReason', p.failure_reason)
$$;

-- Opens a payment attempt for an order, before any provider is called. Its id comes from the
-- caller (an Idempotency-Key's resource id, or a fresh one): an attempt of that id already there is
-- returned as {"outcome": "EXISTS"}. At most one attempt per order is open (the partial unique
-- index; the order lock makes a second one find the first instead of failing on the index).
-- {"outcome": STARTED | EXISTS | IN_PROGRESS | NOT_FOUND | NOT_PENDING | EXPIRED | FREE | TOO_MANY_DECLINES}.
CREATE FUNCTION eventflow_begin_payment(
    p_payment_id uuid,
    p_order_id uuid,
    p_user_id uuid,
    p_provider text,
    p_lease_seconds int,
    p_max_declines int
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders := eventflow_lock_order(p_order_id, p_user_id);
    v_payment payments;
BEGIN
    IF v_order.id IS NULL THEN
        RETURN jsonb_build_object('outcome', 'NOT_FOUND');
    END IF;
    SELECT * INTO v_payment FROM payments WHERE id = p_payment_id AND order_id = p_order_id;
    IF FOUND THEN
        RETURN jsonb_build_object('outcome', 'EXISTS', 'payment', eventflow_payment_json(v_payment));
    END IF;
    IF v_order.status <> 'PENDING' THEN
        RETURN jsonb_build_object('outcome', 'NOT_PENDING', 'orderStatus', v_order.status);
    END IF;
    -- Before the hold's end: an open attempt keeps the order (and its stock) past it.
    SELECT * INTO v_payment FROM payments WHERE order_id = p_order_id AND status IN ('PROCESSING', 'REQUIRES_ACTION');
    IF FOUND THEN
        RETURN jsonb_build_object('outcome', 'IN_PROGRESS', 'payment', eventflow_payment_json(v_payment));
    ELSIF v_order.expires_at <= now() THEN
        RETURN jsonb_build_object('outcome', 'EXPIRED');
    ELSIF v_order.total_cents = 0 THEN
        RETURN jsonb_build_object('outcome', 'FREE');
    END IF;
    IF (SELECT coalesce(sum(declines), 0) FROM payments WHERE order_id = p_order_id) >= p_max_declines THEN
        RETURN jsonb_build_object('outcome', 'TOO_MANY_DECLINES', 'expiresAt', v_order.expires_at);
    END IF;
    INSERT INTO payments (id, order_id, provider, amount_cents, currency, status, lease_until)
    VALUES (p_payment_id, p_order_id, p_provider, v_order.total_cents, v_order.currency, 'PROCESSING',
            now() + make_interval(secs => p_lease_seconds))
    RETURNING * INTO v_payment;
    RETURN jsonb_build_object('outcome', 'STARTED', 'payment', eventflow_payment_json(v_payment),
                              'orderExpiresAt', v_order.expires_at);
END
$$;

-- The provider took the money. Recorded whatever the attempt's status was (the provider is the
-- truth about money), once: the order becomes PAID if it still can, with its tickets (an attempt
-- still open was opened while the hold ran, and completes it); otherwise (cancelled, expired, paid
-- by another attempt, or an attempt already closed) the money is owed back, as a refund row the
-- caller sends at once and the sweeper retries after p_refund_grace_seconds.
-- {"outcome": PAID | REFUND_OWED (refundId) | ALREADY_RECORDED | UNKNOWN_PAYMENT, "orderStatus"}.
CREATE FUNCTION eventflow_payment_succeeded(p_payment_id uuid, p_provider_ref text, p_refund_grace_seconds int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders := eventflow_lock_order((SELECT order_id FROM payments WHERE id = p_payment_id));
    v_payment payments;
    v_paid_at timestamptz;
    v_refund_id uuid;
BEGIN
    SELECT * INTO v_payment FROM payments WHERE id = p_payment_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'UNKNOWN_PAYMENT');
    ELSIF v_payment.status = 'SUCCEEDED' THEN
        RETURN jsonb_build_object('outcome', 'ALREADY_RECORDED', 'orderStatus', v_order.status);
    END IF;
    v_paid_at := eventflow_mark_paid(v_order.id, v_payment.status IN ('PROCESSING', 'REQUIRES_ACTION'));
    UPDATE payments
       SET status = 'SUCCEEDED', applied = v_paid_at IS NOT NULL, provider_ref = coalesce(p_provider_ref, provider_ref),
           failure_reason = NULL, settled_at = now(), updated_at = now()
     WHERE id = p_payment_id;
    IF v_paid_at IS NOT NULL THEN
        RETURN jsonb_build_object('outcome', 'PAID', 'orderStatus', 'PAID');
    END IF;
    INSERT INTO refunds (payment_id, order_id, amount_cents, currency, reason, next_attempt_at)
    VALUES (p_payment_id, v_order.id, v_payment.amount_cents, v_payment.currency, 'NOT_PAYABLE',
            now() + make_interval(secs => p_refund_grace_seconds))
    RETURNING id INTO v_refund_id;
    RETURN jsonb_build_object('outcome', 'REFUND_OWED', 'refundId', v_refund_id, 'orderStatus', v_order.status);
END
$$;

-- Cancels a PENDING order and returns its stock. {"outcome": CANCELLED | NOT_FOUND | NOT_PENDING}.
CREATE FUNCTION eventflow_cancel_pending_order(p_order_id uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders := eventflow_lock_order(p_order_id);
BEGIN
    IF v_order.id IS NULL THEN
        RETURN jsonb_build_object('outcome', 'NOT_FOUND');
    ELSIF v_order.status <> 'PENDING' THEN
        RETURN jsonb_build_object('outcome', 'NOT_PENDING', 'orderStatus', v_order.status);
    END IF;
    UPDATE orders SET status = 'CANCELLED', cancelled_at = now() WHERE id = p_order_id;
    PERFORM eventflow_release_stock(ARRAY[p_order_id]);
    RETURN jsonb_build_object('outcome', 'CANCELLED');
END
$$;

-- Cancels a PAID order for a refund of p_refund_cents (its total less any fee), unless one of its
-- tickets was checked in: the tickets are locked before that is read, so a scan at the same moment
-- either came first (TICKET_USED, nothing changes) or finds the ticket void. The order becomes
-- REFUNDED (CANCELLED when it was free), its stock comes back, and the refund is a row that the
-- caller sends at once and the sweeper retries after p_refund_grace_seconds.
-- {"outcome": REFUNDED (refundId or null) | NOT_FOUND | NOT_PAID | TICKET_USED}.
CREATE FUNCTION eventflow_refund_order(p_order_id uuid, p_refund_cents int, p_reason "RefundReason", p_refund_grace_seconds int)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders := eventflow_lock_order(p_order_id);
    v_payment payments;
    v_refund_id uuid;
BEGIN
    IF v_order.id IS NULL THEN
        RETURN jsonb_build_object('outcome', 'NOT_FOUND');
    ELSIF v_order.status <> 'PAID' THEN
        RETURN jsonb_build_object('outcome', 'NOT_PAID', 'orderStatus', v_order.status);
    END IF;
    PERFORM 1 FROM tickets WHERE order_id = p_order_id FOR NO KEY UPDATE;
    IF EXISTS (SELECT 1 FROM tickets WHERE order_id = p_order_id AND checked_in_at IS NOT NULL) THEN
        RETURN jsonb_build_object('outcome', 'TICKET_USED');
    END IF;
    IF p_refund_cents < 0 OR p_refund_cents > v_order.total_cents THEN
        RAISE EXCEPTION 'eventflow_refund_order: % cents is not a refund of order % (% cents)', p_refund_cents, p_order_id, v_order.total_cents;
    END IF;
    UPDATE orders SET status = CASE WHEN total_cents = 0 THEN 'CANCELLED' ELSE 'REFUNDED' END::"OrderStatus",
                      cancelled_at = now(), refunded_cents = p_refund_cents
     WHERE id = p_order_id;
    PERFORM eventflow_release_stock(ARRAY[p_order_id]);
    IF p_refund_cents > 0 THEN
        SELECT * INTO v_payment FROM payments WHERE order_id = p_order_id AND applied;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'eventflow_refund_order: paid order % has no payment to refund', p_order_id;
        END IF;
        INSERT INTO refunds (payment_id, order_id, amount_cents, currency, reason, next_attempt_at)
        VALUES (v_payment.id, p_order_id, p_refund_cents, v_payment.currency, p_reason,
                now() + make_interval(secs => p_refund_grace_seconds))
        RETURNING id INTO v_refund_id;
    ELSIF v_order.total_cents > 0 THEN
        -- The fee kept it all: refunded, with nothing to send.
        UPDATE orders SET refunded_at = now() WHERE id = p_order_id;
    END IF;
    RETURN jsonb_build_object('outcome', 'REFUNDED', 'refundId', v_refund_id);
END
$$;

-- Expires up to p_limit pending orders past their hold and returns their stock, but not one with a
-- payment attempt still open: that attempt was opened while the hold ran and may still pay it; the
-- reconciler settles it once its lease passes, and the order expires on a later sweep if it was not
-- paid. SKIP LOCKED lets several instances sweep at once without waiting on each other; the status
-- condition, checked again on the locked row, makes each order expire exactly once.
CREATE OR REPLACE FUNCTION eventflow_expire_orders(p_limit int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_due uuid[];
    v_ids uuid[];
BEGIN
    SELECT array_agg(id) INTO v_due FROM (
        SELECT o.id FROM orders o
         WHERE o.status = 'PENDING' AND o.expires_at <= now()
           AND NOT EXISTS (SELECT 1 FROM payments p
                            WHERE p.order_id = o.id AND p.status IN ('PROCESSING', 'REQUIRES_ACTION'))
         ORDER BY o.expires_at
         LIMIT p_limit
           FOR NO KEY UPDATE SKIP LOCKED
    ) due;
    IF v_due IS NULL THEN
        RETURN 0;
    END IF;
    -- Checked again in a new statement, whose snapshot is taken with the rows locked: a payment
    -- attempt opened (and committed) after the first statement's snapshot is seen here.
    WITH expired AS (
        UPDATE orders o SET status = 'EXPIRED', expired_at = now()
         WHERE o.id = ANY (v_due) AND o.status = 'PENDING'
           AND NOT EXISTS (SELECT 1 FROM payments p
                            WHERE p.order_id = o.id AND p.status IN ('PROCESSING', 'REQUIRES_ACTION'))
        RETURNING o.id
    )
    SELECT array_agg(id) INTO v_ids FROM expired;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM eventflow_release_stock(v_ids);
    RETURN cardinality(v_ids);
END
$$;

-- Cancels an event and every pending and paid order of it, in one transaction: pending orders
-- CANCELLED, paid ones REFUNDED in full (free ones CANCELLED), their tickets void, their stock
-- back, a refund row for every paid order's payment. Its first lock, the event's sales lock
-- (exclusive), waits for the holds in flight and makes those arriving later wait for this
-- transaction, then see the cancellation; the orders are locked by a later statement, whose
-- snapshot includes every hold that committed meanwhile. Null when the event was not found or
-- already cancelled, else {"cancelledOrders": n, "refunds": [refund ids]}.
CREATE FUNCTION eventflow_cancel_event(p_event_id uuid, p_refund_grace_seconds int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ids uuid[];
    v_refunds uuid[];
BEGIN
    PERFORM eventflow_lock_event_sales(p_event_id, true);
    UPDATE events SET cancelled_at = now(), updated_at = now() WHERE id = p_event_id AND cancelled_at IS NULL;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    WITH target AS (
        SELECT o.id, o.status FROM orders o
         WHERE o.event_id = p_event_id AND o.status IN ('PENDING', 'PAID')
         ORDER BY o.id
           FOR NO KEY UPDATE
    ), cancelled AS (
        UPDATE orders o
           SET status = CASE WHEN target.status = 'PAID' AND o.total_cents > 0 THEN 'REFUNDED' ELSE 'CANCELLED' END::"OrderStatus",
               cancelled_at = now(),
               refunded_cents = CASE WHEN target.status = 'PAID' THEN o.total_cents ELSE 0 END
          FROM target
         WHERE o.id = target.id
        RETURNING o.id
    )
    SELECT array_agg(id) INTO v_ids FROM cancelled;
    IF v_ids IS NULL THEN
        RETURN jsonb_build_object('cancelledOrders', 0, 'refunds', '[]'::jsonb);
    END IF;
    PERFORM eventflow_release_stock(v_ids);
    WITH owed AS (
        INSERT INTO refunds (payment_id, order_id, amount_cents, currency, reason, next_attempt_at)
        SELECT p.id, p.order_id, p.amount_cents, p.currency, 'EVENT_CANCELLED', now() + make_interval(secs => p_refund_grace_seconds)
          FROM payments p
          JOIN orders o ON o.id = p.order_id
         WHERE p.order_id = ANY (v_ids) AND p.applied AND o.status = 'REFUNDED'
        RETURNING id
    )
    SELECT array_agg(id) INTO v_refunds FROM owed;
    RETURN jsonb_build_object('cancelledOrders', cardinality(v_ids), 'refunds', to_jsonb(coalesce(v_refunds, '{}')));
END
$$;

-- The provider refunded: recorded once. A refund of a REFUNDED order's total also stamps the
-- order's refunded_at. Locks the order first (the lock order), then the refund.
CREATE FUNCTION eventflow_refund_succeeded(p_refund_id uuid, p_provider_ref text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_refund refunds;
BEGIN
    PERFORM 1 FROM orders WHERE id = (SELECT order_id FROM refunds WHERE id = p_refund_id) FOR NO KEY UPDATE;
    UPDATE refunds SET status = 'SUCCEEDED', provider_ref = p_provider_ref, succeeded_at = now(), last_error = NULL
     WHERE id = p_refund_id AND status = 'PENDING'
    RETURNING * INTO v_refund;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF v_refund.reason <> 'NOT_PAYABLE' THEN
        UPDATE orders SET refunded_at = now() WHERE id = v_refund.order_id AND status = 'REFUNDED' AND refunded_at IS NULL;
    END IF;
    RETURN true;
END
$$;
