import { buyerRefundCents, refundDeadlineOf, type RefundPolicy } from './refund-policy.js';

const policy = (fee: Partial<RefundPolicy> = {}): RefundPolicy => ({
  startsAt: new Date('2027-06-01T18:00:00Z'),
  refundsAllowed: true,
  refundDeadline: null,
  refundFeeCents: 0,
  refundFeePercent: 0,
  ...fee,
});

describe('refund policy', () => {
  it('refunds the whole total without a fee', () => {
    expect(buyerRefundCents(4900, policy())).toBe(4900);
  });

  it('keeps a fixed fee plus a percent rounded down to the cent', () => {
    expect(buyerRefundCents(4900, policy({ refundFeeCents: 150 }))).toBe(4750);
    // 10% of 999 is 99.9: the fee is 99, the buyer gets 900.
    expect(buyerRefundCents(999, policy({ refundFeePercent: 10 }))).toBe(900);
    expect(buyerRefundCents(10_000, policy({ refundFeeCents: 100, refundFeePercent: 5 }))).toBe(
      9_400,
    );
  });

  it('never refunds less than nothing, and the largest totals stay exact integers', () => {
    expect(buyerRefundCents(100, policy({ refundFeeCents: 500 }))).toBe(0);
    expect(buyerRefundCents(100, policy({ refundFeePercent: 100 }))).toBe(0);
    expect(buyerRefundCents(2_147_483_647, policy({ refundFeePercent: 33 }))).toBe(
      2_147_483_647 - Math.floor((2_147_483_647 * 33) / 100),
    );
  });

  it('closes at the deadline when one is set, else when the event starts', () => {
    expect(refundDeadlineOf(policy())).toEqual(new Date('2027-06-01T18:00:00Z'));
    const deadline = new Date('2027-05-25T00:00:00Z');
    expect(refundDeadlineOf(policy({ refundDeadline: deadline }))).toEqual(deadline);
  });
});
