-- The order state machine's writes, as functions: each is one round trip from the application and
-- one transaction, so row locks on the hot ticket_types rows are held for microseconds of server
-- time instead of several network round trips. docs/concurrency.md explains the design.
--
-- Lock order, everywhere: ticket_types rows in ascending id order. Functions that start from an
-- order lock the order row first and then its ticket types in id order.

-- Returns stock of the given orders to their ticket types, in id order. The caller has already
-- moved those orders out of PENDING/PAID with a conditional update in the same transaction, so
-- the stock of an order comes back exactly once whoever races whom.
CREATE FUNCTION eventflow_release_stock(p_order_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    line record;
BEGIN
    FOR line IN
        SELECT ticket_type_id, sum(quantity)::int AS quantity
          FROM order_items
         WHERE order_id = ANY (p_order_ids)
         GROUP BY ticket_type_id
         ORDER BY ticket_type_id
    LOOP
        UPDATE ticket_types SET available = available + line.quantity WHERE id = line.ticket_type_id;
    END LOOP;
    UPDATE tickets SET status = 'VOID' WHERE order_id = ANY (p_order_ids) AND status = 'VALID';
END
$$;

-- Holds stock for every item of an order at once, all or nothing, and inserts the PENDING order.
-- Every rule of a purchase is checked here, inside the transaction that takes the stock, so none
-- can change between the check and the hold. The hot ticket_types row is locked for as short a time
-- as possible: everything that does not need the stock (rules, the optimistic availability check,
-- the order and item inserts) happens first; the conditional decrement comes last, then the
-- commit. A decrement that loses a race raises, which rolls the whole call back, inserts included;
-- the application reads the reason from the message ("eventflow:<reason>:<ticket type>:<available>").
-- Returns {"outcome": ...}: HELD with the order, or the reason for a refusal (nothing is held).
CREATE FUNCTION eventflow_hold_order(
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
    v_currency char(3);
    v_held int;
    v_available int;
    v_total bigint := 0;
    v_items jsonb := '[]';
    v_order record;
BEGIN
    -- 1. The rules, read without locks, and whether the stock is there at all.
    FOR item IN
        SELECT r.id, r.quantity, t.id AS found, t.name, t.price_cents, t.available, t.max_per_order,
               t.sales_start_at, t.sales_end_at, e.id AS event_id, e.published, e.cancelled_at,
               e.starts_at, e.currency
          FROM unnest(p_ticket_type_ids, p_quantities) AS r(id, quantity)
          LEFT JOIN ticket_types t ON t.id = r.id
          LEFT JOIN events e ON e.id = t.event_id
         ORDER BY r.id
    LOOP
        IF item.found IS NULL OR NOT item.published THEN
            RETURN jsonb_build_object('outcome', 'NOT_FOUND', 'ticketTypeId', item.id);
        END IF;
        IF v_event_id IS NULL THEN
            v_event_id := item.event_id;
            v_currency := item.currency;
        ELSIF v_event_id <> item.event_id THEN
            RETURN jsonb_build_object('outcome', 'MIXED_EVENTS', 'ticketTypeId', item.id);
        END IF;
        IF item.cancelled_at IS NOT NULL THEN
            RETURN jsonb_build_object('outcome', 'EVENT_CANCELLED', 'ticketTypeId', item.id);
        END IF;
        IF item.starts_at <= now() THEN
            RETURN jsonb_build_object('outcome', 'EVENT_STARTED', 'ticketTypeId', item.id);
        END IF;
        IF item.sales_start_at IS NOT NULL AND item.sales_start_at > now() THEN
            RETURN jsonb_build_object('outcome', 'SALES_NOT_OPEN', 'ticketTypeId', item.id, 'salesStartAt', item.sales_start_at);
        END IF;
        IF item.sales_end_at IS NOT NULL AND item.sales_end_at <= now() THEN
            RETURN jsonb_build_object('outcome', 'SALES_CLOSED', 'ticketTypeId', item.id, 'salesEndAt', item.sales_end_at);
        END IF;
        IF item.quantity > item.max_per_order THEN
            RETURN jsonb_build_object('outcome', 'OVER_MAX_PER_ORDER', 'ticketTypeId', item.id, 'maxPerOrder', item.max_per_order);
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
    VALUES (p_order_id, p_user_id, v_event_id, 'PENDING', v_total, v_currency, now() + make_interval(secs => p_hold_seconds))
    RETURNING id, event_id, total_cents, currency, expires_at, created_at INTO v_order;
    INSERT INTO order_items (order_id, ticket_type_id, name, quantity, unit_price_cents)
    SELECT p_order_id, (i ->> 'ticketTypeId')::uuid, i ->> 'name', (i ->> 'quantity')::int, (i ->> 'unitPriceCents')::int
      FROM jsonb_array_elements(v_items) AS i;

    -- 4. The hold: a conditional decrement per ticket type, in id order (no deadlocks between
    --    multi-item orders). Losing the race raises: the whole call, inserts included, rolls back.
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

    -- 5. An event cancelled while we waited for the locks: the cancellation locks these same rows
    --    before it collects pending orders, so either it sees this order or this check sees it.
    IF EXISTS (SELECT 1 FROM events WHERE id = v_event_id AND cancelled_at IS NOT NULL) THEN
        RAISE EXCEPTION 'eventflow:EVENT_CANCELLED:%:0', v_event_id;
    END IF;

    RETURN jsonb_build_object('outcome', 'HELD', 'order', jsonb_build_object(
        'id', v_order.id, 'eventId', v_order.event_id, 'totalCents', v_order.total_cents, 'currency', v_order.currency,
        'expiresAt', v_order.expires_at, 'createdAt', v_order.created_at, 'items', v_items));
END
$$;

-- PENDING -> PAID, only if still pending, not expired and its event not cancelled, issuing the
-- given tickets (codes from the application's CSPRNG, one per unit; checked against the items).
-- Returns paid_at, or null, changing nothing, when the order is no longer payable.
CREATE FUNCTION eventflow_mark_paid(p_order_id uuid, p_payment_ref text, p_codes text[], p_ticket_type_ids uuid[])
RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    v_order record;
BEGIN
    UPDATE orders o SET status = 'PAID', paid_at = now(), payment_ref = p_payment_ref
     WHERE o.id = p_order_id AND o.status = 'PENDING' AND o.expires_at > now()
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.event_id AND e.cancelled_at IS NOT NULL)
    RETURNING o.id, o.user_id, o.event_id, o.paid_at INTO v_order;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO tickets (code, order_id, ticket_type_id, event_id, user_id)
    SELECT t.code, p_order_id, t.ticket_type_id, v_order.event_id, v_order.user_id
      FROM unnest(p_codes, p_ticket_type_ids) AS t(code, ticket_type_id);
    IF EXISTS (
        SELECT 1 FROM order_items oi
         WHERE oi.order_id = p_order_id
           AND oi.quantity <> (SELECT count(*) FROM tickets t WHERE t.order_id = p_order_id AND t.ticket_type_id = oi.ticket_type_id)
    ) OR cardinality(p_codes) <> (SELECT sum(quantity) FROM order_items WHERE order_id = p_order_id) THEN
        RAISE EXCEPTION 'eventflow_mark_paid: the tickets given do not match the items of order %', p_order_id;
    END IF;
    RETURN v_order.paid_at;
END
$$;

-- Cancels one order if it is still in the expected status (PENDING, or PAID for a refund) and
-- returns its stock. Returns false, changing nothing, when someone else moved it first.
CREATE FUNCTION eventflow_cancel_order(p_order_id uuid, p_expected "OrderStatus") RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders SET status = 'CANCELLED', cancelled_at = now()
     WHERE id = p_order_id AND status = p_expected AND p_expected IN ('PENDING', 'PAID');
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM eventflow_release_stock(ARRAY[p_order_id]);
    RETURN true;
END
$$;

-- Expires up to p_limit pending orders past their hold and returns their stock. SKIP LOCKED lets
-- several instances sweep at once without waiting on each other; the status condition, checked
-- again on the locked row, makes each order expire exactly once.
CREATE FUNCTION eventflow_expire_orders(p_limit int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_ids uuid[];
BEGIN
    WITH due AS (
        SELECT id FROM orders
         WHERE status = 'PENDING' AND expires_at <= now()
         ORDER BY expires_at
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    ), expired AS (
        UPDATE orders o SET status = 'EXPIRED', expired_at = now()
          FROM due
         WHERE o.id = due.id AND o.status = 'PENDING'
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

-- Cancels an event and every pending and paid order of it. Returns null when the event was not
-- found or already cancelled, else {"cancelledOrders": n, "refunds": [paid orders to refund]}.
-- Locking the event's ticket types first waits for holds in flight, so an order committed a
-- moment ago is cancelled too, and a hold arriving later sees the cancellation.
CREATE FUNCTION eventflow_cancel_event(p_event_id uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ids uuid[];
    v_paid_ids uuid[];
BEGIN
    UPDATE events SET cancelled_at = now(), updated_at = now() WHERE id = p_event_id AND cancelled_at IS NULL;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM ticket_types WHERE event_id = p_event_id ORDER BY id FOR UPDATE;
    WITH target AS (
        SELECT o.id, o.status FROM orders o
         WHERE o.event_id = p_event_id AND o.status IN ('PENDING', 'PAID')
         ORDER BY o.id
           FOR UPDATE
    ), cancelled AS (
        UPDATE orders o SET status = 'CANCELLED', cancelled_at = now()
          FROM target
         WHERE o.id = target.id AND o.status IN ('PENDING', 'PAID')
        RETURNING o.id, target.status AS was
    )
    SELECT array_agg(c.id), array_agg(c.id) FILTER (WHERE c.was = 'PAID') INTO v_ids, v_paid_ids FROM cancelled c;
    IF v_ids IS NOT NULL THEN
        PERFORM eventflow_release_stock(v_ids);
    END IF;
    RETURN jsonb_build_object(
        'cancelledOrders', coalesce(cardinality(v_ids), 0),
        'refunds', coalesce((
            SELECT jsonb_agg(jsonb_build_object('orderId', o.id, 'paymentRef', o.payment_ref,
                                                'totalCents', o.total_cents, 'currency', o.currency))
              FROM orders o WHERE o.id = ANY (coalesce(v_paid_ids, '{}'))), '[]'::jsonb));
END
$$;

-- Charges the provider took for orders that are not (or no longer) paid: refunds still owed.
CREATE INDEX orders_refund_owed_idx ON orders (id) WHERE payment_ref IS NOT NULL AND refunded_at IS NULL AND status <> 'PAID';
