import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infrastructure/database/prisma.service.js';

export type LedgerOutcome = 'SUCCEEDED' | 'CANCELED';

/**
 * The test provider's own books (tables test_provider_*), kept in PostgreSQL so that every instance
 * sees the same provider, as every instance sees the same Stripe. Each write is one statement; the
 * first outcome written for a payment stands, which is how a charge and a cancellation racing each
 * other are decided, as a real provider decides them.
 */
@Injectable()
export class TestProviderLedger {
  constructor(private readonly prisma: PrismaService) {}

  /** Writes the outcome unless one is there already; answers the one that stands. */
  async settle(
    paymentId: string,
    amountCents: number,
    currency: string,
    outcome: LedgerOutcome,
  ): Promise<LedgerOutcome> {
    // DO UPDATE (to the same value) rather than DO NOTHING: it returns the row that stands even
    // when a racing writer committed it after this statement began.
    const rows = await this.prisma.$queryRaw<{ outcome: LedgerOutcome }[]>`
      INSERT INTO test_provider_payments (payment_id, amount_cents, currency, outcome)
      VALUES (${paymentId}::uuid, ${amountCents}::int, ${currency}, ${outcome})
      ON CONFLICT (payment_id) DO UPDATE SET outcome = test_provider_payments.outcome
      RETURNING outcome`;
    return rows[0].outcome;
  }

  async outcomeOf(paymentId: string): Promise<LedgerOutcome | null> {
    const rows = await this.prisma.$queryRaw<{ outcome: LedgerOutcome }[]>`
      SELECT outcome FROM test_provider_payments WHERE payment_id = ${paymentId}::uuid`;
    return rows[0]?.outcome ?? null;
  }

  /**
   * Records a refund once per refund id, if the payment succeeded and has that much left to give
   * back. The payment's row is locked first, so refunds of one payment are counted one at a time
   * (the second statement's snapshot sees every refund committed before the lock was granted).
   */
  refund(
    refundId: string,
    paymentId: string,
    amountCents: number,
  ): Promise<'refunded' | 'not-charged' | 'too-much'> {
    return this.prisma.$transaction(async (tx) => {
      const charged = await tx.$queryRaw<{ amount_cents: number }[]>`
        SELECT amount_cents FROM test_provider_payments
         WHERE payment_id = ${paymentId}::uuid AND outcome = 'SUCCEEDED'
           FOR UPDATE`;
      if (charged.length === 0) return 'not-charged';
      const [books] = await tx.$queryRaw<{ already: boolean; refunded: number }[]>`
        SELECT bool_or(refund_id = ${refundId}::uuid) IS TRUE AS already, coalesce(sum(amount_cents), 0)::int AS refunded
          FROM test_provider_refunds WHERE payment_id = ${paymentId}::uuid`;
      if (books.already) return 'refunded';
      if (books.refunded + amountCents > charged[0].amount_cents) return 'too-much';
      await tx.$executeRaw`
        INSERT INTO test_provider_refunds (refund_id, payment_id, amount_cents)
        VALUES (${refundId}::uuid, ${paymentId}::uuid, ${amountCents}::int)`;
      return 'refunded';
    });
  }
}
