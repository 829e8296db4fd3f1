-- AlterTable
ALTER TABLE "ticket_types" ALTER COLUMN "created_at" SET DEFAULT clock_timestamp(),
ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(6);
