-- CreateEnum
CREATE TYPE "TeamRole" AS ENUM ('MANAGER', 'SCANNER');

-- DropIndex
DROP INDEX "tickets_event_id_idx";

-- AlterTable
ALTER TABLE "tickets" ADD COLUMN     "attendee_email" VARCHAR(254),
ADD COLUMN     "attendee_name" VARCHAR(100);

-- CreateTable
CREATE TABLE "event_members" (
    "event_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "TeamRole" NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_members_pkey" PRIMARY KEY ("event_id","user_id")
);

-- CreateIndex
CREATE INDEX "event_members_user_id_idx" ON "event_members"("user_id");

-- CreateIndex
CREATE INDEX "orders_event_id_created_at_idx" ON "orders"("event_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "tickets_event_id_code_idx" ON "tickets"("event_id", "code");

-- AddForeignKey
ALTER TABLE "event_members" ADD CONSTRAINT "event_members_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_members" ADD CONSTRAINT "event_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: an attendee is named by something, or left to the buyer (null), never blank.
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_attendee_name_not_blank"
    CHECK (attendee_name IS NULL OR btrim(attendee_name) <> '');
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_attendee_email_not_blank"
    CHECK (attendee_email IS NULL OR btrim(attendee_email) <> '');
