-- One scan at the door: the check-in and its line in the scan log, in one transaction and one
-- round trip. The check-in is a conditional update (still VALID, not yet checked in), so of two
-- scanners presenting one code at the same instant exactly one gets OK; PostgreSQL re-checks the
-- condition on the row after the first commits, and the second sees ALREADY_CHECKED_IN.
-- Returns {"result": OK | ALREADY_CHECKED_IN | VOID | UNKNOWN, "checkedInAt", "ticket"}.
CREATE FUNCTION eventflow_check_in(p_event_id uuid, p_code text, p_scanned_by uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ticket tickets%ROWTYPE;
    v_result "CheckInResult";
BEGIN
    UPDATE tickets SET checked_in_at = now()
     WHERE code = p_code AND event_id = p_event_id AND status = 'VALID' AND checked_in_at IS NULL
    RETURNING * INTO v_ticket;
    IF FOUND THEN
        v_result := 'OK';
    ELSE
        SELECT * INTO v_ticket FROM tickets WHERE code = p_code AND event_id = p_event_id;
        v_result := CASE
            WHEN NOT FOUND THEN 'UNKNOWN'
            WHEN v_ticket.status = 'VOID' THEN 'VOID'
            ELSE 'ALREADY_CHECKED_IN'
        END;
    END IF;
    INSERT INTO check_ins (event_id, code, result, scanned_by_id) VALUES (p_event_id, left(p_code, 200), v_result, p_scanned_by);
    RETURN jsonb_build_object(
        'result', v_result,
        'ticket', CASE WHEN v_result = 'UNKNOWN' THEN NULL ELSE jsonb_build_object(
            'code', v_ticket.code, 'ticketTypeId', v_ticket.ticket_type_id, 'eventId', v_ticket.event_id,
            'orderId', v_ticket.order_id, 'status', v_ticket.status, 'checkedInAt', v_ticket.checked_in_at) END);
END
$$;
