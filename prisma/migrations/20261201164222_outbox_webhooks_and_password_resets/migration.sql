-- CreateTable
CREATE TABLE "password_reset_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "password_reset_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "event_id" UUID,
    "subject_id" VARCHAR(64) NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
    "data" JSONB,
    "dispatched_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "description" VARCHAR(200) NOT NULL DEFAULT '',
    "event_types" VARCHAR(40)[],
    "secret" VARCHAR(100) NOT NULL,
    "previous_secret" VARCHAR(100),
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_reason" VARCHAR(300),
    "disabled_at" TIMESTAMPTZ(3),
    "failing_since" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "endpoint_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "response_status" INTEGER,
    "duration_ms" INTEGER NOT NULL,
    "error" VARCHAR(500),
    "attempted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
    "next_attempt_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "password_reset_tokens_token_hash_key" ON "password_reset_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "password_reset_tokens_user_id_idx" ON "password_reset_tokens"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_seq_key" ON "outbox_events"("seq");

-- CreateIndex
CREATE INDEX "outbox_events_event_id_occurred_at_idx" ON "outbox_events"("event_id", "occurred_at");

-- CreateIndex
CREATE INDEX "outbox_events_occurred_at_idx" ON "outbox_events"("occurred_at");

-- CreateIndex
CREATE INDEX "webhook_endpoints_owner_id_idx" ON "webhook_endpoints"("owner_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_attempted_at_idx" ON "webhook_deliveries"("endpoint_id", "attempted_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_message_id_idx" ON "webhook_deliveries"("message_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_attempted_at_idx" ON "webhook_deliveries"("attempted_at");

-- AddForeignKey
ALTER TABLE "password_reset_tokens" ADD CONSTRAINT "password_reset_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "outbox_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: the outbox. Triggers write one outbox row per change others care about, in the
-- transaction that makes the change, whichever code path (or SQL function) made it. Statement
-- triggers with transition tables write a whole batch (a hold batch, an expiry sweep, an event's
-- cancellation) in one INSERT, and one graphile-worker job then dispatches it.
-- ---------------------------------------------------------------------------------------------

CREATE INDEX outbox_events_undispatched ON outbox_events (seq) WHERE dispatched_at IS NULL;

ALTER TABLE webhook_deliveries
  ADD CONSTRAINT webhook_deliveries_status_known CHECK (status IN ('succeeded', 'failed')),
  ADD CONSTRAINT webhook_deliveries_attempt_positive CHECK (attempt >= 1);

-- One dispatch job per statement that wrote outbox rows; it claims whatever is undispatched, so
-- jobs that find their rows already taken by another simply end.
CREATE FUNCTION eventflow_outbox_enqueue_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_outbox_rows WHERE dispatched_at IS NULL) THEN
    PERFORM graphile_worker.add_job('outbox:dispatch', '{}'::json, max_attempts := 25);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_events_dispatch AFTER INSERT ON outbox_events
  REFERENCING NEW TABLE AS new_outbox_rows
  FOR EACH STATEMENT EXECUTE FUNCTION eventflow_outbox_enqueue_dispatch();

CREATE FUNCTION eventflow_outbox_orders_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (type, event_id, subject_id)
  SELECT 'order.created', n.event_id, n.id::text FROM new_orders n ORDER BY n.created_at, n.id;
  RETURN NULL;
END $$;
CREATE TRIGGER orders_outbox_created AFTER INSERT ON orders
  REFERENCING NEW TABLE AS new_orders
  FOR EACH STATEMENT EXECUTE FUNCTION eventflow_outbox_orders_created();

CREATE FUNCTION eventflow_outbox_orders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (type, event_id, subject_id)
  SELECT CASE n.status WHEN 'PAID' THEN 'order.paid' WHEN 'CANCELLED' THEN 'order.cancelled'
                       WHEN 'EXPIRED' THEN 'order.expired' ELSE 'order.refunded' END,
         n.event_id, n.id::text
    FROM new_orders n JOIN old_orders o ON o.id = n.id
   WHERE n.status IS DISTINCT FROM o.status
     AND n.status IN ('PAID', 'CANCELLED', 'EXPIRED', 'REFUNDED')
   ORDER BY n.id;
  RETURN NULL;
END $$;
CREATE TRIGGER orders_outbox_changed AFTER UPDATE ON orders
  REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
  FOR EACH STATEMENT EXECUTE FUNCTION eventflow_outbox_orders_changed();

CREATE FUNCTION eventflow_outbox_tickets_voided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (type, event_id, subject_id)
  SELECT 'ticket.voided', n.event_id, n.code
    FROM new_tickets n JOIN old_tickets o ON o.code = n.code
   WHERE n.status = 'VOID' AND o.status <> 'VOID'
   ORDER BY n.code;
  RETURN NULL;
END $$;
CREATE TRIGGER tickets_outbox_voided AFTER UPDATE ON tickets
  REFERENCING OLD TABLE AS old_tickets NEW TABLE AS new_tickets
  FOR EACH STATEMENT EXECUTE FUNCTION eventflow_outbox_tickets_voided();

-- Entry only: a refused scan (already in, void, unknown) is not an entry.
CREATE FUNCTION eventflow_outbox_checked_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (type, event_id, subject_id)
  SELECT 'ticket.checked_in', n.event_id, n.id::text FROM new_scans n WHERE n.result = 'OK';
  RETURN NULL;
END $$;
CREATE TRIGGER check_ins_outbox_entry AFTER INSERT ON check_ins
  REFERENCING NEW TABLE AS new_scans
  FOR EACH STATEMENT EXECUTE FUNCTION eventflow_outbox_checked_in();

-- Row-level with a WHEN clause: on the hot ticket-type row, the test costs nothing until the last
-- ticket goes (and again each time returned stock sells out once more).
CREATE FUNCTION eventflow_outbox_sold_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (type, event_id, subject_id) VALUES ('ticket_type.sold_out', NEW.event_id, NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER ticket_types_outbox_sold_out AFTER UPDATE OF available ON ticket_types
  FOR EACH ROW WHEN (OLD.available > 0 AND NEW.available = 0)
  EXECUTE FUNCTION eventflow_outbox_sold_out();

CREATE FUNCTION eventflow_outbox_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_type text;
BEGIN
  IF OLD.cancelled_at IS NULL AND NEW.cancelled_at IS NOT NULL THEN
    v_type := 'event.cancelled';
  ELSIF NOT OLD.published AND NEW.published THEN
    v_type := 'event.published';
  ELSIF (OLD.published OR NEW.published)
    AND (OLD.title, OLD.description, OLD.venue, OLD.starts_at, OLD.ends_at, OLD.currency,
         OLD.published, OLD.refunds_allowed, OLD.refund_deadline, OLD.refund_fee_cents,
         OLD.refund_fee_percent, OLD.require_attendee_names)
        IS DISTINCT FROM
        (NEW.title, NEW.description, NEW.venue, NEW.starts_at, NEW.ends_at, NEW.currency,
         NEW.published, NEW.refunds_allowed, NEW.refund_deadline, NEW.refund_fee_cents,
         NEW.refund_fee_percent, NEW.require_attendee_names) THEN
    v_type := 'event.updated';
  ELSE
    RETURN NULL;
  END IF;
  INSERT INTO outbox_events (type, event_id, subject_id) VALUES (v_type, NEW.id, NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER events_outbox_changed AFTER UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION eventflow_outbox_event_changed();
