-- Holds for many buyers of one ticket type in one transaction: the flash-sale path. Under load the
-- application gathers the single-item holds of a ticket type that arrive while the previous batch
-- is running (hold-batcher.ts), so the row lock, the statement and the commit are paid once per
-- batch instead of once per buyer. Each buyer still gets all or nothing, in arrival order.
--
-- Returns one result per request, in the order given: {"outcome": ...} as eventflow_hold_order
-- answers, or {"outcome": "SINGLE"} for every request when the ticket type has maxPerBuyer (its
-- per-buyer lock must come before the row lock: those go through eventflow_hold_order instead).
CREATE FUNCTION eventflow_hold_batch(
    p_order_ids uuid[],
    p_user_ids uuid[],
    p_ticket_type_id uuid,
    p_quantities int[],
    p_hold_seconds int
) RETURNS jsonb[]
LANGUAGE plpgsql AS $$
DECLARE
    v_type record;
    v_refusal jsonb;
    v_remaining int;
    v_price int;
    v_name text;
    v_results jsonb[] := '{}';
    v_granted int[] := '{}';
    v_expires_at timestamptz := now() + make_interval(secs => p_hold_seconds);
    i int;
BEGIN
    SELECT t.id, t.name, t.price_cents, t.max_per_order, t.max_per_buyer, t.sales_start_at, t.sales_end_at,
           e.id AS event_id, e.published, e.cancelled_at, e.starts_at, e.currency
      INTO v_type
      FROM ticket_types t JOIN events e ON e.id = t.event_id
     WHERE t.id = p_ticket_type_id;

    v_refusal := CASE
        WHEN NOT FOUND OR NOT v_type.published THEN jsonb_build_object('outcome', 'NOT_FOUND', 'ticketTypeId', p_ticket_type_id)
        WHEN v_type.max_per_buyer IS NOT NULL THEN jsonb_build_object('outcome', 'SINGLE')
        WHEN v_type.cancelled_at IS NOT NULL THEN jsonb_build_object('outcome', 'EVENT_CANCELLED', 'ticketTypeId', p_ticket_type_id)
        WHEN v_type.starts_at <= now() THEN jsonb_build_object('outcome', 'EVENT_STARTED', 'ticketTypeId', p_ticket_type_id)
        WHEN v_type.sales_start_at IS NOT NULL AND v_type.sales_start_at > now() THEN
            jsonb_build_object('outcome', 'SALES_NOT_OPEN', 'ticketTypeId', p_ticket_type_id, 'salesStartAt', v_type.sales_start_at)
        WHEN v_type.sales_end_at IS NOT NULL AND v_type.sales_end_at <= now() THEN
            jsonb_build_object('outcome', 'SALES_CLOSED', 'ticketTypeId', p_ticket_type_id, 'salesEndAt', v_type.sales_end_at)
    END;
    IF v_refusal IS NOT NULL THEN
        RETURN array_fill(v_refusal, ARRAY[cardinality(p_order_ids)]);
    END IF;

    -- The one row lock of the batch. Its price and name are read under it.
    SELECT available, price_cents, name INTO v_remaining, v_price, v_name
      FROM ticket_types WHERE id = p_ticket_type_id FOR UPDATE;
    -- An event cancellation locks this row before collecting pending orders: either it waited
    -- for us (and cancels these orders) or we see it here.
    IF EXISTS (SELECT 1 FROM events WHERE id = v_type.event_id AND cancelled_at IS NOT NULL) THEN
        RETURN array_fill(jsonb_build_object('outcome', 'EVENT_CANCELLED', 'ticketTypeId', p_ticket_type_id), ARRAY[cardinality(p_order_ids)]);
    END IF;

    FOR i IN 1 .. cardinality(p_order_ids) LOOP
        IF p_quantities[i] > v_type.max_per_order THEN
            v_results := v_results || jsonb_build_object('outcome', 'OVER_MAX_PER_ORDER', 'ticketTypeId', p_ticket_type_id, 'maxPerOrder', v_type.max_per_order);
        ELSIF p_quantities[i]::bigint * v_price > 2147483647 THEN
            v_results := v_results || jsonb_build_object('outcome', 'TOTAL_TOO_LARGE');
        ELSIF p_quantities[i] <= v_remaining THEN
            v_remaining := v_remaining - p_quantities[i];
            v_granted := v_granted || i;
            v_results := v_results || jsonb_build_object('outcome', 'HELD', 'order', jsonb_build_object(
                'id', p_order_ids[i], 'eventId', v_type.event_id,
                'totalCents', p_quantities[i] * v_price, 'currency', v_type.currency,
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
        SELECT p_order_ids[g], p_user_ids[g], v_type.event_id, 'PENDING', p_quantities[g] * v_price,
               v_type.currency, v_expires_at, now()
          FROM unnest(v_granted) AS g;
        INSERT INTO order_items (order_id, ticket_type_id, name, quantity, unit_price_cents)
        SELECT p_order_ids[g], p_ticket_type_id, v_name, p_quantities[g], v_price
          FROM unnest(v_granted) AS g;
    END IF;
    RETURN v_results;
END
$$;
