/** An event's refund policy, as its organizer set it. */
export interface RefundPolicy {
  startsAt: Date;
  refundsAllowed: boolean;
  /** Null: refunds close when the event starts. */
  refundDeadline: Date | null;
  refundFeeCents: number;
  refundFeePercent: number;
}

/** When buyers stop being able to cancel a paid order for a refund. */
export function refundDeadlineOf(policy: RefundPolicy): Date {
  return policy.refundDeadline ?? policy.startsAt;
}

/**
 * What a buyer gets back of a paid order: its total less the fee (fixed cents plus a whole
 * percent of the total, the percent rounded down to the cent, in the buyer's favour), never less
 * than nothing.
 */
export function buyerRefundCents(totalCents: number, policy: RefundPolicy): number {
  const fee = policy.refundFeeCents + Math.floor((totalCents * policy.refundFeePercent) / 100);
  return Math.max(0, totalCents - fee);
}
