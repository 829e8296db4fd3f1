import Stripe from 'stripe';
import { FakeStripe } from './support/fake-stripe.js';

/**
 * The fake stands in for Stripe in the payment adapter's tests, so it must answer as Stripe does:
 * these drive it through the real SDK, which parses its answers and turns its errors into the
 * SDK's error classes exactly as it would Stripe's.
 */
describe('FakeStripe, through the stripe SDK', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  const client = (config: Stripe.StripeConfig = {}) =>
    new Stripe(fake.secretKey, { ...fake.clientOptions(), maxNetworkRetries: 0, ...config });
  const cardOnly = { amount: 2500, currency: 'EUR', payment_method_types: ['card'] };
  const createIntents = { method: 'POST', path: /^\/v1\/payment_intents$/ };

  async function rejectionOf(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
    return promise.then(
      () => {
        throw new Error('expected the SDK to throw');
      },
      (error: Stripe.errors.StripeError) => error,
    );
  }

  async function paidIntent(amount: number): Promise<Stripe.Response<Stripe.PaymentIntent>> {
    const intent = await stripe.paymentIntents.create({
      ...cardOnly,
      amount,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(intent.status).toBe('succeeded');
    return intent;
  }

  const intentsWithOrder = (orderId: string) =>
    fake.paymentIntents().filter((intent) => intent.metadata.order_id === orderId);

  beforeAll(async () => {
    fake = await FakeStripe.start();
    stripe = client();
  });
  afterAll(() => fake.close());

  describe('PaymentIntents', () => {
    it('creates an intent that waits for a payment method; pm_card_visa then pays it', async () => {
      const created = await stripe.paymentIntents.create({
        ...cardOnly,
        metadata: { order_id: 'order-1' },
      });
      expect(created).toMatchObject({
        object: 'payment_intent',
        status: 'requires_payment_method',
        amount: 2500,
        currency: 'eur',
        metadata: { order_id: 'order-1' },
        livemode: false,
        payment_method: null,
        automatic_payment_methods: null,
        payment_method_types: ['card'],
      });
      expect(created.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
      expect(created.client_secret?.startsWith(`${created.id}_secret_`)).toBe(true);
      expect(fake.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: '/v1/payment_intents',
        params: {
          amount: '2500',
          metadata: { order_id: 'order-1' },
          payment_method_types: ['card'],
        },
        status: 200,
      });

      const confirmed = await stripe.paymentIntents.confirm(created.id, {
        payment_method: 'pm_card_visa',
      });
      expect(confirmed).toMatchObject({
        status: 'succeeded',
        amount_received: 2500,
        last_payment_error: null,
        next_action: null,
      });
      expect(confirmed.latest_charge).toMatch(/^ch_/);
      // Stripe makes a PaymentMethod of its own out of a test id.
      expect(confirmed.payment_method).toMatch(/^pm_[A-Za-z0-9]{24}$/);
      expect(await stripe.paymentIntents.retrieve(created.id)).toEqual(confirmed);
    });

    it('takes the Dashboard payment methods by default, so confirming needs a return_url unless redirects are off', async () => {
      const before = fake.paymentIntents().length;
      const error = await rejectionOf(
        stripe.paymentIntents.create({
          amount: 2500,
          currency: 'eur',
          payment_method: 'pm_card_visa',
          confirm: true,
        }),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error.param).toBe('return_url');
      expect(fake.paymentIntents()).toHaveLength(before);

      const noRedirects = await stripe.paymentIntents.create({
        amount: 2500,
        currency: 'eur',
        payment_method: 'pm_card_mastercard',
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      });
      expect(noRedirects.status).toBe('succeeded');
      const withReturnUrl = await stripe.paymentIntents.create({
        amount: 2500,
        currency: 'eur',
        payment_method: 'pm_card_visa',
        confirm: true,
        return_url: 'https://eventflow.test/paid',
      });
      expect(withReturnUrl).toMatchObject({
        status: 'succeeded',
        automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
      });
    });

    it.each([
      ['pm_card_chargeDeclined', 'generic_decline', 'Your card was declined.'],
      ['pm_card_visa_chargeDeclined', 'generic_decline', 'Your card was declined.'],
      [
        'pm_card_chargeDeclinedInsufficientFunds',
        'insufficient_funds',
        'Your card has insufficient funds.',
      ],
    ])(
      '%s is declined with a 402 card error, and the intent stays payable',
      async (paymentMethod, declineCode, message) => {
        const intent = await stripe.paymentIntents.create(cardOnly);
        const error = await rejectionOf(
          stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod }),
        );
        expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
        expect(error).toMatchObject({
          statusCode: 402,
          code: 'card_declined',
          decline_code: declineCode,
          message,
        });
        expect(error.charge).toMatch(/^ch_/);
        expect(error.payment_method?.id).toMatch(/^pm_/);
        expect(error.payment_intent).toMatchObject({
          id: intent.id,
          status: 'requires_payment_method',
          payment_method: null,
          last_payment_error: {
            type: 'card_error',
            code: 'card_declined',
            decline_code: declineCode,
          },
        });
        expect((error.raw as { payment_intent: unknown }).payment_intent).toEqual(
          error.payment_intent,
        );

        // The declined method was detached: confirming again needs a new one.
        const noMethod = await rejectionOf(stripe.paymentIntents.confirm(intent.id));
        expect(noMethod).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(noMethod.code).toBe('payment_intent_unexpected_state');

        const paid = await stripe.paymentIntents.confirm(intent.id, {
          payment_method: 'pm_card_visa',
        });
        expect(paid).toMatchObject({ status: 'succeeded', last_payment_error: null });
      },
    );

    it('answers a payment method it does not know as a missing resource', async () => {
      const intent = await stripe.paymentIntents.create(cardOnly);
      const error = await rejectionOf(
        stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_nonsense' }),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
        param: 'payment_method',
      });
    });

    it.each(['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required'])(
      '%s asks for 3-D Secure; once the customer passes it the intent has succeeded',
      async (paymentMethod) => {
        const intent = await stripe.paymentIntents.create({
          ...cardOnly,
          payment_method: paymentMethod,
          confirm: true,
        });
        expect(intent.status).toBe('requires_action');
        expect(intent.next_action).toMatchObject({
          type: 'use_stripe_sdk',
          use_stripe_sdk: expect.any(Object),
        });

        fake.completeAction(intent.id);
        expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
          status: 'succeeded',
          amount_received: 2500,
          next_action: null,
        });
      },
    );

    it('a failed 3-D Secure leaves the intent asking for another payment method', async () => {
      const intent = await stripe.paymentIntents.create({
        ...cardOnly,
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
        return_url: 'https://eventflow.test/paid',
      });
      expect(intent.next_action).toMatchObject({
        type: 'redirect_to_url',
        redirect_to_url: { return_url: 'https://eventflow.test/paid' },
      });

      fake.failAction(intent.id);
      expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
        status: 'requires_payment_method',
        payment_method: null,
        next_action: null,
        last_payment_error: { code: 'payment_intent_authentication_failure' },
      });
    });

    it('lets the customer confirm in the browser, with the same outcomes', async () => {
      const paid = await stripe.paymentIntents.create({ amount: 2500, currency: 'eur' });
      expect(fake.confirmAsCustomer(paid.id, 'pm_card_visa').status).toBe('succeeded');
      expect((await stripe.paymentIntents.retrieve(paid.id)).status).toBe('succeeded');

      const declined = await stripe.paymentIntents.create({ amount: 2500, currency: 'eur' });
      expect(fake.confirmAsCustomer(declined.id, 'pm_card_chargeDeclined')).toMatchObject({
        status: 'requires_payment_method',
        last_payment_error: { decline_code: 'generic_decline' },
      });
    });

    it('cancels an unpaid intent, and refuses to cancel or confirm one that is settled', async () => {
      const unpaid = await stripe.paymentIntents.create(cardOnly);
      const canceled = await stripe.paymentIntents.cancel(unpaid.id, {
        cancellation_reason: 'abandoned',
      });
      expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
      expect(canceled.canceled_at).toEqual(expect.any(Number));
      const confirmCanceled = await rejectionOf(
        stripe.paymentIntents.confirm(unpaid.id, { payment_method: 'pm_card_visa' }),
      );
      expect(confirmCanceled.code).toBe('payment_intent_unexpected_state');

      const paid = await paidIntent(2500);
      for (const attempt of [
        stripe.paymentIntents.cancel(paid.id),
        stripe.paymentIntents.confirm(paid.id, { payment_method: 'pm_card_visa' }),
      ]) {
        const error = await rejectionOf(attempt);
        expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(error).toMatchObject({
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          payment_intent: { id: paid.id, status: 'succeeded' },
        });
      }
    });

    it('answers an unknown intent with 404 resource_missing', async () => {
      const error = await rejectionOf(stripe.paymentIntents.retrieve('pi_missing'));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
        param: 'intent',
        message: "No such payment_intent: 'pi_missing'",
      });
    });
  });

  describe('requests Stripe would refuse', () => {
    it('validates parameters as Stripe does', async () => {
      const cases: [Record<string, unknown>, Partial<Stripe.errors.StripeError>][] = [
        [
          { ...cardOnly, note: 'x' },
          { code: 'parameter_unknown', param: 'note' },
        ],
        [{ currency: 'eur' }, { code: 'parameter_missing', param: 'amount' }],
        [
          { ...cardOnly, amount: 10 },
          { code: 'amount_too_small', param: 'amount' },
        ],
      ];
      for (const [params, expected] of cases) {
        const error = await rejectionOf(
          stripe.paymentIntents.create(params as unknown as Stripe.PaymentIntentCreateParams),
        );
        expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(error).toMatchObject(expected);
      }
    });

    it('refuses a wrong API key', async () => {
      const stranger = new Stripe('sk_test_someone_else', { ...fake.clientOptions() });
      const error = await rejectionOf(stranger.paymentIntents.create(cardOnly));
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.message).toMatch(/^Invalid API Key provided: sk_test_\*+else$/);
    });

    it('answers an endpoint it does not model as an unrecognized URL', async () => {
      const intent = await stripe.paymentIntents.create(cardOnly);
      const error = await rejectionOf(stripe.paymentIntents.capture(intent.id));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error.statusCode).toBe(404);
      expect(error.message).toMatch(/^Unrecognized request URL \(POST: \/v1\/payment_intents\//);
    });
  });

  describe('idempotency', () => {
    it('replays the first answer to a repeated key, changing nothing', async () => {
      const options = { idempotencyKey: 'order-replayed' };
      const params = { ...cardOnly, metadata: { order_id: 'replayed' } };
      const first = await stripe.paymentIntents.create(params, options);
      const second = await stripe.paymentIntents.create(params, options);
      expect(second.id).toBe(first.id);
      expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(intentsWithOrder('replayed')).toHaveLength(1);
    });

    it('replays a decline too, without charging again', async () => {
      const intent = await stripe.paymentIntents.create(cardOnly);
      const confirm = () =>
        stripe.paymentIntents.confirm(
          intent.id,
          { payment_method: 'pm_card_chargeDeclined' },
          { idempotencyKey: `decline-${intent.id}` },
        );
      const first = await rejectionOf(confirm());
      const afterFirst = fake.paymentIntent(intent.id);
      const second = await rejectionOf(confirm());
      expect(second).toBeInstanceOf(Stripe.errors.StripeCardError);
      // The same body, word for word; only the answer's own headers (its Request-Id) are new.
      expect(second.raw).toEqual({
        ...(first.raw as object),
        headers: expect.any(Object),
        requestId: expect.any(String),
      });
      expect(second.headers?.['idempotent-replayed']).toBe('true');
      expect(fake.paymentIntent(intent.id)).toEqual(afterFirst);
    });

    it('refuses a key reused with other parameters or on another endpoint', async () => {
      const intent = await stripe.paymentIntents.create(cardOnly, { idempotencyKey: 'reused' });
      const attempts = [
        stripe.paymentIntents.create({ ...cardOnly, amount: 9900 }, { idempotencyKey: 'reused' }),
        stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: 'reused' }),
      ];
      for (const attempt of attempts) {
        const error = await rejectionOf(attempt);
        expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
        expect(error.statusCode).toBe(400);
      }
      expect(fake.paymentIntent(intent.id)?.status).toBe('requires_payment_method');
    });

    it('saves no result for a request that failed validation, so the key can be used again', async () => {
      const options = { idempotencyKey: 'fixed-after-validation' };
      const invalid = { currency: 'eur' } as Stripe.PaymentIntentCreateParams;
      const error = await rejectionOf(stripe.paymentIntents.create(invalid, options));
      expect(error.code).toBe('parameter_missing');
      const created = await stripe.paymentIntents.create(cardOnly, options);
      expect(created.status).toBe('requires_payment_method');
    });

    it('sees the key the SDK puts on every POST', async () => {
      const intent = await stripe.paymentIntents.create(cardOnly);
      const request = fake.requests.at(-1);
      expect(request?.idempotencyKey).toMatch(/^stripe-node-retry-/);
      expect(intent.lastResponse.idempotencyKey).toBe(request?.idempotencyKey);
    });
  });

  describe('refunds', () => {
    it('refunds part, then by default the rest, then no more', async () => {
      const intent = await paidIntent(5000);
      const first = await stripe.refunds.create({
        payment_intent: intent.id,
        amount: 2000,
        reason: 'requested_by_customer',
        metadata: { order_id: 'order-9' },
      });
      expect(first).toMatchObject({
        object: 'refund',
        status: 'succeeded',
        amount: 2000,
        currency: 'eur',
        payment_intent: intent.id,
        charge: intent.latest_charge,
        reason: 'requested_by_customer',
        metadata: { order_id: 'order-9' },
      });
      expect(first.id).toMatch(/^re_/);

      const tooLarge = await rejectionOf(
        stripe.refunds.create({ payment_intent: intent.id, amount: 3001 }),
      );
      expect(tooLarge).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(tooLarge).toMatchObject({
        code: 'amount_too_large',
        message: 'Refund amount (€30.01) is greater than unrefunded amount on charge (€30.00)',
      });

      const rest = await stripe.refunds.create({ payment_intent: intent.id });
      expect(rest.amount).toBe(3000);
      const nothingLeft = await rejectionOf(stripe.refunds.create({ payment_intent: intent.id }));
      expect(nothingLeft.code).toBe('charge_already_refunded');

      const list = await stripe.refunds.list({ payment_intent: intent.id });
      expect(list).toMatchObject({ object: 'list', url: '/v1/refunds', has_more: false });
      expect(list.data.map((refund) => refund.id)).toEqual([rest.id, first.id]);
      expect(await stripe.refunds.retrieve(first.id)).toEqual(first);
    });

    it('lists newest first, a page at a time', async () => {
      const intent = await paidIntent(3000);
      const ids: string[] = [];
      for (const amount of [1000, 1000, 1000]) {
        ids.unshift((await stripe.refunds.create({ payment_intent: intent.id, amount })).id);
      }
      const firstPage = await stripe.refunds.list({ payment_intent: intent.id, limit: 2 });
      expect(firstPage.has_more).toBe(true);
      const secondPage = await stripe.refunds.list({
        payment_intent: intent.id,
        limit: 2,
        starting_after: firstPage.data[1].id,
      });
      expect(secondPage.has_more).toBe(false);
      expect([...firstPage.data, ...secondPage.data].map((refund) => refund.id)).toEqual(ids);
    });

    it('refunds only a paid intent, and knows no refund it did not make', async () => {
      const unpaid = await stripe.paymentIntents.create(cardOnly);
      const error = await rejectionOf(stripe.refunds.create({ payment_intent: unpaid.id }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(fake.refunds().filter((refund) => refund.payment_intent === unpaid.id)).toEqual([]);

      const missing = await rejectionOf(stripe.refunds.retrieve('re_missing'));
      expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    });
  });

  describe('faults', () => {
    it('drops the answer after doing the work; a retry with the same key gets the saved answer', async () => {
      const retrying = client({ maxNetworkRetries: 1 });
      const { hit } = fake.injectFault(createIntents, 'drop');
      const intent = await retrying.paymentIntents.create({
        ...cardOnly,
        metadata: { order_id: 'dropped-once' },
      });
      await hit;
      expect(intentsWithOrder('dropped-once')).toHaveLength(1);
      expect(intent.lastResponse.headers['idempotent-replayed']).toBe('true');
      const attempts = fake.requests.filter(
        (r) => r.idempotencyKey === intent.lastResponse.idempotencyKey,
      );
      expect(attempts.map((attempt) => attempt.fault)).toEqual(['drop', undefined]);
    });

    it('with every answer lost the SDK throws a connection error, though Stripe did the work', async () => {
      // The SDK retries a closed connection once even with maxNetworkRetries 0, so drop twice.
      fake.injectFault(createIntents, 'drop');
      fake.injectFault(createIntents, 'drop');
      const error = await rejectionOf(
        stripe.paymentIntents.create({ ...cardOnly, metadata: { order_id: 'answer-lost' } }),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      expect(intentsWithOrder('answer-lost')).toHaveLength(1);
      const attempts = fake.requests.filter((r) => r.path === '/v1/payment_intents' && r.fault);
      expect(attempts.slice(-2).map((attempt) => attempt.idempotencyKey)).toEqual([
        attempts.at(-1)?.idempotencyKey,
        attempts.at(-1)?.idempotencyKey,
      ]);
    });

    it('answers an injected 500 without doing the work', async () => {
      const { hit } = fake.injectFault(createIntents, { status: 500 });
      const error = await rejectionOf(
        stripe.paymentIntents.create({ ...cardOnly, metadata: { order_id: 'server-error' } }),
      );
      await hit;
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error.statusCode).toBe(500);
      expect(intentsWithOrder('server-error')).toHaveLength(0);
    });

    it('delays an answer past the client timeout, after doing the work', async () => {
      const impatient = client({ timeout: 50 });
      const { hit } = fake.injectFault(createIntents, { delayMs: 5_000 });
      const error = await rejectionOf(
        impatient.paymentIntents.create({ ...cardOnly, metadata: { order_id: 'slow' } }),
      );
      await hit;
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      expect(intentsWithOrder('slow')).toHaveLength(1);
    });
  });

  describe('webhooks', () => {
    it('builds events that the SDK verifies and parses', async () => {
      const intent = await paidIntent(1000);
      const snapshot = fake.paymentIntent(intent.id);
      if (!snapshot) throw new Error('the fake lost the intent');
      const payload = JSON.stringify(fake.event('payment_intent.succeeded', snapshot));
      const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test' });

      const event = stripe.webhooks.constructEvent(payload, signature, 'whsec_test');
      expect(event).toMatchObject({
        object: 'event',
        type: 'payment_intent.succeeded',
        livemode: false,
        api_version: intent.lastResponse.apiVersion,
        data: { object: { id: intent.id, status: 'succeeded' } },
      });
      expect(event.id).toMatch(/^evt_/);
      expect(() => stripe.webhooks.constructEvent(payload, signature, 'whsec_other')).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    });
  });
});
