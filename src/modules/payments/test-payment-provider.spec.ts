import { PaymentProviderError } from './payment-provider.js';
import { TestPaymentProvider } from './test-payment-provider.js';

describe('TestPaymentProvider', () => {
  const request = (paymentToken: string, orderId = 'o1') => ({
    orderId,
    amountCents: 1000,
    currency: 'USD',
    paymentToken,
  });

  it('approves any token but the documented ones, once per order', async () => {
    const provider = new TestPaymentProvider();
    const first = await provider.charge(request('tok_visa'));
    const again = await provider.charge(request('tok_other'));
    expect(first).toEqual({ approved: true, reference: expect.stringMatching(/^test_ch_/) });
    expect(again).toEqual(first);
  });

  it('declines tok_declined and fails on tok_error', async () => {
    const provider = new TestPaymentProvider();
    await expect(provider.charge(request('tok_declined'))).resolves.toEqual({
      approved: false,
      reason: expect.any(String),
    });
    await expect(provider.charge(request('tok_error'))).rejects.toBeInstanceOf(
      PaymentProviderError,
    );
  });

  it('records refunds', async () => {
    const provider = new TestPaymentProvider();
    const charge = await provider.charge(request('tok_visa', 'o2'));
    if (!charge.approved) throw new Error('expected approval');
    await provider.refund({
      orderId: 'o2',
      reference: charge.reference,
      amountCents: 1000,
      currency: 'USD',
    });
    expect(provider.wasRefunded('o2')).toBe(true);
    expect(provider.wasRefunded('o1')).toBe(false);
  });
});
