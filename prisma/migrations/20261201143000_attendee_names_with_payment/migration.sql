-- AlterTable
ALTER TABLE "events" ADD COLUMN     "require_attendee_names" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "attendees" JSONB;

-- Hand-written: names given with a payment are checked and stored under the order's lock by
-- eventflow_begin_payment, which also refuses to open a payment for an event that requires names
-- while a ticket of the order has none; eventflow_mark_paid hands them to the tickets it makes.

-- The names fit the order: each names a ticket type of it, no more names than tickets of a type.
CREATE FUNCTION eventflow_attendees_fit(p_order_id uuid, p_attendees jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (
        SELECT 1
          FROM (SELECT (a->>'ticketTypeId')::uuid AS ticket_type_id, count(*) AS named
                  FROM jsonb_array_elements(p_attendees) AS a GROUP BY 1) AS given
          LEFT JOIN order_items oi ON oi.order_id = p_order_id AND oi.ticket_type_id = given.ticket_type_id
         WHERE oi.quantity IS NULL OR given.named > oi.quantity)
$$;

DROP FUNCTION eventflow_begin_payment(uuid, uuid, uuid, text, int, int);

-- As before, with p_attendees (null: keep what the order has). New refusals:
-- ATTENDEES_DO_NOT_MATCH, and NAMES_REQUIRED {tickets, named} when the event requires every
-- ticket named and the order's names do not cover them.
CREATE FUNCTION eventflow_begin_payment(
    p_payment_id uuid,
    p_order_id uuid,
    p_user_id uuid,
    p_provider text,
    p_lease_seconds int,
    p_max_declines int,
    p_attendees jsonb
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_order orders := eventflow_lock_order(p_order_id, p_user_id);
    v_payment payments;
    v_tickets int;
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
    END IF;
    IF p_attendees IS NOT NULL THEN
        IF NOT eventflow_attendees_fit(p_order_id, p_attendees) THEN
            RETURN jsonb_build_object('outcome', 'ATTENDEES_DO_NOT_MATCH');
        END IF;
        UPDATE orders SET attendees = p_attendees WHERE id = p_order_id;
        v_order.attendees := p_attendees;
    END IF;
    IF (SELECT require_attendee_names FROM events WHERE id = v_order.event_id) THEN
        SELECT sum(quantity) INTO v_tickets FROM order_items WHERE order_id = p_order_id;
        IF coalesce(jsonb_array_length(v_order.attendees), 0) < v_tickets THEN
            RETURN jsonb_build_object('outcome', 'NAMES_REQUIRED', 'tickets', v_tickets,
                                      'named', coalesce(jsonb_array_length(v_order.attendees), 0));
        END IF;
    END IF;
    IF v_order.total_cents = 0 THEN
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

-- As before; the n-th ticket of a type takes the n-th name given for that type, if any.
CREATE OR REPLACE FUNCTION eventflow_mark_paid(p_order_id uuid, p_payment_in_time boolean) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    v_order record;
BEGIN
    UPDATE orders o SET status = 'PAID', paid_at = now()
     WHERE o.id = p_order_id AND o.status = 'PENDING' AND (o.expires_at > now() OR p_payment_in_time)
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.event_id AND e.cancelled_at IS NOT NULL)
    RETURNING o.user_id, o.event_id, o.paid_at, o.attendees INTO v_order;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO tickets (code, order_id, ticket_type_id, event_id, user_id, attendee_name, attendee_email)
    SELECT eventflow_new_ticket_code(), p_order_id, oi.ticket_type_id, v_order.event_id, v_order.user_id,
           named.name, named.email
      FROM order_items oi
     CROSS JOIN LATERAL generate_series(1, oi.quantity) AS unit(n)
      LEFT JOIN LATERAL (
            SELECT a->>'name' AS name, a->>'email' AS email
              FROM jsonb_array_elements(coalesce(v_order.attendees, '[]')) WITH ORDINALITY AS given(a, i)
             WHERE (a->>'ticketTypeId')::uuid = oi.ticket_type_id
             ORDER BY i OFFSET unit.n - 1 LIMIT 1) AS named ON true
     WHERE oi.order_id = p_order_id;
    RETURN v_order.paid_at;
END
$$;

-- A key's scopes are never missing: the scope CHECKs of api_keys treat NULL as passing.
ALTER TABLE "api_keys" ALTER COLUMN "scopes" SET NOT NULL;
