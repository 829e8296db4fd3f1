-- AlterEnum
-- On its own: a value added to an enum cannot be used in the transaction that adds it, and the
-- next migration (one transaction) uses it.
ALTER TYPE "OrderStatus" ADD VALUE 'REFUNDED';
