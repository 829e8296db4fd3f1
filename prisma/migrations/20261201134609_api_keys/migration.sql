-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "event_id" UUID,
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "scopes" VARCHAR(32)[],
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_token_hash_key" ON "api_keys"("token_hash");

-- CreateIndex
CREATE INDEX "api_keys_user_id_created_at_idx" ON "api_keys"("user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "api_keys_event_id_idx" ON "api_keys"("event_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: only the scopes the API knows, at least one; a device key (event_id set) may only
-- check tickets in.
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_known" CHECK (
    cardinality(scopes) > 0
    AND scopes <@ ARRAY['events:read', 'events:write', 'orders:read', 'orders:write',
                        'checkins:read', 'checkins:write']::varchar(32)[]);
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_device_scopes" CHECK (
    event_id IS NULL OR scopes <@ ARRAY['checkins:read', 'checkins:write']::varchar(32)[]);
