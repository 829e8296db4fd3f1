import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type Stripe from 'stripe';

/**
 * A local stand-in for the part of Stripe's API (v1) that our payment adapter uses, for tests
 * that point the real `stripe` SDK at it (`new Stripe(fake.secretKey, fake.clientOptions())`),
 * because Stripe itself cannot be reached from here. It answers as Stripe documents it: the
 * objects of the SDK's pinned API version (typed with the SDK's own types), the status codes and
 * error bodies, idempotent replays; and it plays what happens outside our API: the customer
 * confirming in the browser, 3-D Secure, webhook events, and the network failing.
 *
 * What it does not model fails loudly rather than passing: a parameter it does not know is
 * answered as Stripe answers an unknown parameter, an endpoint as an unrecognized URL, and
 * `capture_method=manual` is refused.
 */

export type PaymentIntentObject = Stripe.PaymentIntent;
export type RefundObject = Stripe.Refund;

export interface FakeStripeOptions {
  secretKey?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, unknown>;
  idempotencyKey?: string;
  status: number;
  /** Set when an injected fault changed how, or whether, the answer reached the client. */
  fault?: 'drop' | 'delay' | 'status';
}

export type Fault = 'drop' | { delayMs: number } | { status: number; body?: unknown };

/** The version the installed SDK pins; webhook events carry it unless a client sent another. */
const SDK_API_VERSION = '2026-10-28.endive';

type Params = Record<string, unknown>;

type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'authenticate' }
  | { kind: 'decline'; declineCode: string; message: string };

interface TestCard {
  brand: string;
  last4: string;
  outcome: CardOutcome;
}

const genericDecline: CardOutcome = {
  kind: 'decline',
  declineCode: 'generic_decline',
  message: 'Your card was declined.',
};

/** Stripe's test PaymentMethods (docs.stripe.com/testing), by the ids the docs give them. */
const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242', outcome: { kind: 'succeed' } },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', outcome: { kind: 'succeed' } },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', outcome: genericDecline },
  pm_card_visa_chargeDeclined: { brand: 'visa', last4: '0002', outcome: genericDecline },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    outcome: {
      kind: 'decline',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
  },
  pm_card_authenticationRequired: {
    brand: 'visa',
    last4: '3184',
    outcome: { kind: 'authenticate' },
  },
  pm_card_threeDSecure2Required: {
    brand: 'visa',
    last4: '3220',
    outcome: { kind: 'authenticate' },
  },
};

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];
/** Stripe's minimum charge amounts (docs.stripe.com/currencies), for the currencies we may sell in. */
const MINIMUM_AMOUNT: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  chf: 50,
  cad: 50,
  aud: 50,
};
const MAXIMUM_AMOUNT = 99_999_999;

/** The test PaymentMethod Stripe made from a `pm_card_…` id; it belongs to the first intent. */
interface StoredPaymentMethod {
  object: Stripe.PaymentMethod;
  outcome: CardOutcome;
  intentId: string;
}

interface ErrorFields {
  type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  charge?: string;
  payment_intent?: PaymentIntentObject;
  payment_method?: Stripe.PaymentMethod;
}

/** An error answer; `saved` is false where Stripe keeps no idempotent result (failed validation). */
class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly fields: ErrorFields,
    readonly saved = true,
  ) {
    super(fields.message);
  }
}

const invalidRequest = (message: string, extra: Partial<ErrorFields> = {}) =>
  new StripeApiError(400, { type: 'invalid_request_error', message, ...extra });

const invalidParam = (param: string, message: string, code?: string) =>
  new StripeApiError(400, { type: 'invalid_request_error', message, param, code }, false);

const noSuch = (resource: string, id: string, param: string, status = 400) =>
  new StripeApiError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${resource}: '${id}'`,
  });

interface Call {
  method: string;
  path: string;
  params: Params;
  requestId: string;
  authorization?: string;
  idempotencyKey?: string;
  stripeVersion?: string;
}

interface Reply {
  status: number;
  bodyText: string;
  replayed?: boolean;
}

interface SavedReply {
  path: string;
  paramsFingerprint: string;
  status: number;
  bodyText: string;
}

interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handle: (params: Params, id: string) => object;
}

interface PendingFault {
  method: string;
  path: RegExp;
  fault: Fault;
  arrived: () => void;
}

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  private readonly intents = new Map<string, PaymentIntentObject>();
  private readonly charges = new Map<string, Stripe.Charge>();
  private readonly paymentMethods = new Map<string, StoredPaymentMethod>();
  private readonly refundList: RefundObject[] = [];
  /** Refunds created from now on start `pending`, as a bank's can, until settleRefund(). */
  private refundsStartPending = false;
  private readonly idempotentReplies = new Map<string, SavedReply>();
  private readonly faults: PendingFault[] = [];
  private readonly delayedAnswers = new Set<NodeJS.Timeout>();
  private readonly paymentMethodConfiguration = randomId('pmc_');
  private apiVersion = SDK_API_VERSION;
  private readonly server: Server;

  private readonly routes: Route[] = [
    { method: 'POST', path: /^\/v1\/payment_intents$/, handle: (p) => this.createIntent(p) },
    {
      method: 'GET',
      path: /^\/v1\/payment_intents\/([^/]+)$/,
      handle: (p, id) => this.retrieveIntent(p, id),
    },
    {
      method: 'POST',
      path: /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
      handle: (p, id) => this.confirmIntent(p, id),
    },
    {
      method: 'POST',
      path: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
      handle: (p, id) => this.cancelIntent(p, id),
    },
    { method: 'POST', path: /^\/v1\/refunds$/, handle: (p) => this.createRefund(p) },
    { method: 'GET', path: /^\/v1\/refunds$/, handle: (p) => this.listRefunds(p) },
    {
      method: 'GET',
      path: /^\/v1\/refunds\/([^/]+)$/,
      handle: (p, id) => this.retrieveRefund(p, id),
    },
  ];

  private constructor(readonly secretKey: string) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.answerOwnBug(res, error));
    });
  }

  static async start(options: FakeStripeOptions = {}): Promise<FakeStripe> {
    const fake = new FakeStripe(options.secretKey ?? 'sk_test_fake');
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('FakeStripe is not listening');
    return address.port;
  }

  clientOptions(): { host: '127.0.0.1'; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  async close(): Promise<void> {
    for (const timer of this.delayedAnswers) clearTimeout(timer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // The SDK keeps connections alive; without this, close() would wait for them to idle out.
    this.server.closeAllConnections();
    await closed;
  }

  // --- state, for assertions (copies, so a test cannot change what the fake holds) ---

  paymentIntent(id: string): PaymentIntentObject | undefined {
    const intent = this.intents.get(id);
    return intent && structuredClone(intent);
  }

  paymentIntents(): PaymentIntentObject[] {
    return structuredClone([...this.intents.values()]);
  }

  refunds(): RefundObject[] {
    return structuredClone(this.refundList);
  }

  // --- what the customer does in the browser, outside our API ---

  confirmAsCustomer(intentId: string, paymentMethod: string): PaymentIntentObject {
    const intent = this.existingIntent(intentId);
    this.assertConfirmable(intent);
    const stored = this.resolvePaymentMethod(paymentMethod, intent);
    intent.payment_method = stored.object.id;
    // Stripe.js shows the customer the decline; the intent keeps it in last_payment_error.
    this.attemptPayment(intent, stored, { useStripeSdk: true });
    return structuredClone(intent);
  }

  completeAction(intentId: string): PaymentIntentObject {
    const intent = this.intentAwaitingAction(intentId);
    const stored = this.paymentMethods.get(idOf(intent.payment_method));
    if (!stored) throw new Error(`${intentId} has no payment method to authenticate`);
    this.succeed(intent, stored);
    return structuredClone(intent);
  }

  failAction(intentId: string): PaymentIntentObject {
    const intent = this.intentAwaitingAction(intentId);
    const stored = this.paymentMethods.get(idOf(intent.payment_method));
    Object.assign(intent, {
      status: 'requires_payment_method',
      next_action: null,
      payment_method: null,
      last_payment_error: {
        type: 'invalid_request_error',
        code: 'payment_intent_authentication_failure',
        doc_url: docUrl('payment_intent_authentication_failure'),
        message:
          'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
        payment_method: stored?.object,
      },
    } satisfies Partial<PaymentIntentObject>);
    return structuredClone(intent);
  }

  event(type: string, object: PaymentIntentObject | RefundObject): Record<string, unknown> {
    return {
      id: randomId('evt_'),
      object: 'event',
      api_version: this.apiVersion,
      created: now(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  // --- refunds that take time, as Stripe documents them ---

  /** New refunds are `pending` (true) or `succeeded` at once (false, the default). */
  holdRefundsPending(pending: boolean): void {
    this.refundsStartPending = pending;
  }

  /**
   * A pending refund ends: `succeeded`, or `failed` (its amount becomes refundable again, as when a
   * refund to a closed card fails).
   */
  settleRefund(refundId: string, outcome: 'succeeded' | 'failed'): RefundObject {
    const refund = this.refundList.find((r) => r.id === refundId);
    if (!refund || refund.status !== 'pending')
      throw new Error(`${refundId} is not a pending refund`);
    refund.status = outcome;
    if (outcome === 'failed') {
      const charge = this.charges.get(idOf(refund.charge));
      if (charge) {
        charge.amount_refunded -= refund.amount;
        charge.refunded = false;
      }
      refund.failure_reason = 'expired_or_canceled_card';
    }
    return structuredClone(refund);
  }

  // --- faults ---

  injectFault(match: { method: string; path: RegExp }, fault: Fault): { hit: Promise<void> } {
    let arrived = () => {};
    const hit = new Promise<void>((resolve) => (arrived = resolve));
    this.faults.push({ method: match.method.toUpperCase(), path: match.path, fault, arrived });
    return { hit };
  }

  // --- HTTP ---

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const call: Call = {
      method,
      path: url.pathname,
      params: parseForm(method === 'GET' ? url.searchParams : new URLSearchParams(body)),
      requestId: randomId('req_', 14),
      authorization: header(req, 'authorization'),
      idempotencyKey: header(req, 'idempotency-key'),
      stripeVersion: header(req, 'stripe-version'),
    };
    if (call.stripeVersion) this.apiVersion = call.stripeVersion;

    const pending = this.takeFault(call);
    const fault = pending?.fault;
    if (typeof fault === 'object' && 'status' in fault) {
      // Stands for a failure in front of Stripe's API: nothing ran, so nothing is saved either.
      this.record(call, fault.status, 'status');
      pending?.arrived();
      const bodyText = JSON.stringify(fault.body ?? this.errorBody(call, faultError(fault.status)));
      this.send(res, call, { status: fault.status, bodyText });
      return;
    }

    const reply = this.process(call);
    this.record(call, reply.status, fault === 'drop' ? 'drop' : fault ? 'delay' : undefined);
    pending?.arrived();
    if (fault === 'drop') {
      req.socket.destroy();
    } else if (fault) {
      const timer = setTimeout(() => {
        this.delayedAnswers.delete(timer);
        this.send(res, call, reply);
      }, fault.delayMs);
      this.delayedAnswers.add(timer);
    } else {
      this.send(res, call, reply);
    }
  }

  private process(call: Call): Reply {
    const authError = this.authenticate(call.authorization);
    if (authError) return this.errorReply(call, authError);

    const route = this.routes.find((r) => r.method === call.method && r.path.test(call.path));
    if (!route) {
      const message = `Unrecognized request URL (${call.method}: ${call.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;
      return this.errorReply(
        call,
        new StripeApiError(404, { type: 'invalid_request_error', message }),
      );
    }

    const key = call.method === 'POST' ? call.idempotencyKey : undefined;
    const saved = key === undefined ? undefined : this.idempotentReplies.get(key);
    if (key !== undefined && saved) return this.replay(call, key, saved);

    const id = decodeURIComponent(route.path.exec(call.path)?.[1] ?? '');
    const { reply, save } = this.run(call, () => route.handle(call.params, id));
    if (key !== undefined && save) {
      this.idempotentReplies.set(key, {
        path: call.path,
        paramsFingerprint: canonicalJson(call.params),
        ...reply,
      });
    }
    return reply;
  }

  private run(call: Call, handler: () => object): { reply: Reply; save: boolean } {
    try {
      return { reply: { status: 200, bodyText: JSON.stringify(handler()) }, save: true };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      return { reply: this.errorReply(call, error), save: error.saved };
    }
  }

  private replay(call: Call, key: string, saved: SavedReply): Reply {
    const retry = `Try using a key other than '${key}' if you meant to execute a different request.`;
    if (saved.path !== call.path) {
      const message = `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${call.path}' vs '${saved.path}'). ${retry}`;
      return this.errorReply(call, idempotencyError(message));
    }
    if (saved.paramsFingerprint !== canonicalJson(call.params)) {
      const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`;
      return this.errorReply(call, idempotencyError(message));
    }
    return { status: saved.status, bodyText: saved.bodyText, replayed: true };
  }

  private authenticate(authorization: string | undefined): StripeApiError | undefined {
    const key = apiKeyFrom(authorization);
    if (key === this.secretKey) return undefined;
    const message = key
      ? `Invalid API Key provided: ${maskKey(key)}`
      : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
    return new StripeApiError(401, { type: 'invalid_request_error', message }, false);
  }

  private errorReply(call: Call, error: StripeApiError): Reply {
    return { status: error.status, bodyText: JSON.stringify(this.errorBody(call, error)) };
  }

  private errorBody(call: Call, error: StripeApiError): { error: object } {
    const { code } = error.fields;
    return {
      error: {
        ...error.fields,
        ...(code ? { doc_url: docUrl(code) } : {}),
        request_log_url: `https://dashboard.stripe.com/test/logs/${call.requestId}?t=${now()}`,
      },
    };
  }

  private send(res: ServerResponse, call: Call, reply: Reply): void {
    if (res.destroyed) return; // the client gave up (say, on its own timeout)
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(reply.bodyText),
      'Request-Id': call.requestId,
      ...(call.stripeVersion ? { 'Stripe-Version': call.stripeVersion } : {}),
      ...(call.method === 'POST' && call.idempotencyKey
        ? { 'Idempotency-Key': call.idempotencyKey }
        : {}),
      ...(reply.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    });
    res.end(reply.bodyText);
  }

  /** A bug in the fake must not look like a Stripe outcome, so it says so in a 500. */
  private answerOwnBug(res: ServerResponse, error: unknown): void {
    const message = `FakeStripe failed: ${error instanceof Error ? error.stack : String(error)}`;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'api_error', message } }));
  }

  private takeFault(call: Call): PendingFault | undefined {
    const index = this.faults.findIndex((f) => {
      f.path.lastIndex = 0; // a /g regex would otherwise remember where it last matched
      return f.method === call.method && f.path.test(call.path);
    });
    return index === -1 ? undefined : this.faults.splice(index, 1)[0];
  }

  private record(call: Call, status: number, fault: RecordedRequest['fault']): void {
    this.requests.push({
      method: call.method,
      path: call.path,
      params: call.params,
      ...(call.idempotencyKey === undefined ? {} : { idempotencyKey: call.idempotencyKey }),
      status,
      ...(fault ? { fault } : {}),
    });
  }

  // --- PaymentIntents ---

  private createIntent(params: Params): object {
    const p = new ParamReader(params, [
      'amount',
      'currency',
      'metadata',
      'automatic_payment_methods',
      'allowed_payment_method_types',
      'payment_method_types',
      'payment_method',
      'confirm',
      'description',
      'receipt_email',
      'use_stripe_sdk',
      'return_url',
      'capture_method',
      'expand',
    ]);
    const amount = p.requiredInteger('amount');
    const currency = p.requiredString('currency').toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) {
      throw invalidParam('currency', `Invalid currency: ${currency}.`);
    }
    checkAmountLimits(amount, currency);
    const captureMethod = p.oneOf('capture_method', ['automatic', 'automatic_async', 'manual']);
    if (captureMethod === 'manual') {
      throw invalidParam('capture_method', 'FakeStripe does not model capture_method=manual.');
    }
    const automaticPaymentMethods = this.automaticPaymentMethods(p);
    // The SDK's API version names the list allowed_payment_method_types; older ones
    // payment_method_types. Either narrows the intent to those types.
    const allowedTypes = p.stringList('allowed_payment_method_types');
    const paymentMethodTypes = allowedTypes ?? p.stringList('payment_method_types');
    if (automaticPaymentMethods && paymentMethodTypes) {
      throw invalidParam(
        'automatic_payment_methods',
        'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
        'parameters_exclusive',
      );
    }
    const confirm = p.boolean('confirm') ?? false;
    for (const param of ['return_url', 'use_stripe_sdk']) {
      if (params[param] !== undefined && !confirm) {
        throw invalidParam(
          param,
          `The parameter \`${param}\` can only be used when \`confirm=true\`.`,
        );
      }
    }
    const confirmation = {
      returnUrl: p.optionalString('return_url'),
      useStripeSdk: p.boolean('use_stripe_sdk'),
    };
    const paymentMethod = p.optionalString('payment_method');
    const expand = p.expand(['payment_method', 'latest_charge']);
    const metadata = p.stringMap('metadata') ?? {};

    const intent = paymentIntentObject({
      amount,
      currency,
      metadata,
      description: p.optionalString('description') ?? null,
      receipt_email: p.optionalString('receipt_email') ?? null,
      capture_method: captureMethod ?? 'automatic_async', // the default since API version 2024-04-10
      // Since API version 2023-08-16 an intent without payment_method_types takes the methods
      // enabled in the Dashboard: automatic_payment_methods is on unless the caller turns it off.
      automatic_payment_methods: paymentMethodTypes
        ? null
        : (automaticPaymentMethods ?? { allow_redirects: 'always', enabled: true }),
      payment_method_configuration_details: paymentMethodTypes
        ? null
        : { id: this.paymentMethodConfiguration, parent: null },
      payment_method_types: paymentMethodTypes ?? ['card'],
      allowed_payment_method_types: allowedTypes ?? null,
    });
    if (confirm) this.assertReturnUrlIfRedirectsAllowed(intent, confirmation.returnUrl);
    const stored =
      paymentMethod === undefined ? undefined : this.resolvePaymentMethod(paymentMethod, intent);
    if (stored) {
      intent.payment_method = stored.object.id;
      intent.status = 'requires_confirmation';
    }
    this.intents.set(intent.id, intent);
    if (confirm) this.confirmOnServer(intent, confirmation);
    return this.expanded(intent, expand);
  }

  private retrieveIntent(params: Params, id: string): object {
    const p = new ParamReader(params, ['client_secret', 'expand']);
    const clientSecret = p.optionalString('client_secret');
    const expand = p.expand(['payment_method', 'latest_charge']);
    const intent = this.intentFromPath(id);
    if (clientSecret !== undefined && clientSecret !== intent.client_secret) {
      throw invalidParam(
        'client_secret',
        'The client_secret provided does not match the client_secret associated with the PaymentIntent.',
      );
    }
    return this.expanded(intent, expand);
  }

  private confirmIntent(params: Params, id: string): object {
    const p = new ParamReader(params, ['payment_method', 'return_url', 'use_stripe_sdk', 'expand']);
    const paymentMethod = p.optionalString('payment_method');
    const confirmation = {
      returnUrl: p.optionalString('return_url'),
      useStripeSdk: p.boolean('use_stripe_sdk'),
    };
    const expand = p.expand(['payment_method', 'latest_charge']);
    const intent = this.intentFromPath(id);
    this.assertConfirmable(intent);
    this.assertReturnUrlIfRedirectsAllowed(intent, confirmation.returnUrl);
    if (paymentMethod !== undefined) {
      intent.payment_method = this.resolvePaymentMethod(paymentMethod, intent).object.id;
    }
    this.confirmOnServer(intent, confirmation);
    return this.expanded(intent, expand);
  }

  private cancelIntent(params: Params, id: string): object {
    const p = new ParamReader(params, ['cancellation_reason', 'expand']);
    const reason = p.oneOf('cancellation_reason', [
      'duplicate',
      'fraudulent',
      'requested_by_customer',
      'abandoned',
    ]);
    const expand = p.expand(['payment_method', 'latest_charge']);
    const intent = this.intentFromPath(id);
    if (!CANCELABLE.includes(intent.status)) {
      throw unexpectedState(
        intent,
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      );
    }
    Object.assign(intent, {
      status: 'canceled',
      canceled_at: now(),
      cancellation_reason: reason ?? null,
      next_action: null,
    } satisfies Partial<PaymentIntentObject>);
    return this.expanded(intent, expand);
  }

  private confirmOnServer(
    intent: PaymentIntentObject,
    confirmation: { returnUrl?: string; useStripeSdk?: boolean },
  ): void {
    const stored = this.paymentMethods.get(idOf(intent.payment_method));
    if (!stored) {
      throw unexpectedState(
        intent,
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
      );
    }
    const decline = this.attemptPayment(intent, stored, {
      returnUrl: confirmation.returnUrl,
      useStripeSdk: confirmation.useStripeSdk ?? false,
    });
    if (decline) throw decline;
  }

  /** Charges the card (or asks for 3-D Secure); a decline comes back as the 402 to answer. */
  private attemptPayment(
    intent: PaymentIntentObject,
    stored: StoredPaymentMethod,
    confirmation: { returnUrl?: string; useStripeSdk: boolean },
  ): StripeApiError | undefined {
    const { outcome } = stored;
    if (outcome.kind === 'succeed') {
      this.succeed(intent, stored);
    } else if (outcome.kind === 'authenticate') {
      Object.assign(intent, {
        status: 'requires_action',
        last_payment_error: null,
        next_action: nextAction(intent, confirmation),
      } satisfies Partial<PaymentIntentObject>);
    } else {
      return this.decline(intent, stored, outcome);
    }
    return undefined;
  }

  private succeed(intent: PaymentIntentObject, stored: StoredPaymentMethod): void {
    const charge = this.createCharge(intent, stored, undefined);
    Object.assign(intent, {
      status: 'succeeded',
      amount_received: intent.amount,
      latest_charge: charge.id,
      last_payment_error: null,
      next_action: null,
    } satisfies Partial<PaymentIntentObject>);
  }

  private decline(
    intent: PaymentIntentObject,
    stored: StoredPaymentMethod,
    outcome: Extract<CardOutcome, { kind: 'decline' }>,
  ): StripeApiError {
    const charge = this.createCharge(intent, stored, outcome);
    const cardError = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: outcome.declineCode,
      message: outcome.message,
      charge: charge.id,
    } as const;
    // A failed attempt detaches the method: the intent asks for a new one and keeps the error.
    Object.assign(intent, {
      status: 'requires_payment_method',
      latest_charge: charge.id,
      payment_method: null,
      next_action: null,
      last_payment_error: {
        ...cardError,
        doc_url: docUrl('card_declined'),
        payment_method: stored.object,
      },
    } satisfies Partial<PaymentIntentObject>);
    return new StripeApiError(402, {
      ...cardError,
      payment_intent: structuredClone(intent),
      payment_method: stored.object,
    });
  }

  private createCharge(
    intent: PaymentIntentObject,
    stored: StoredPaymentMethod,
    decline: Extract<CardOutcome, { kind: 'decline' }> | undefined,
  ): Stripe.Charge {
    const succeeded = !decline;
    const charge: Stripe.Charge = {
      id: randomId('ch_'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: succeeded ? intent.amount : 0,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: null,
      // With asynchronous capture Stripe fills the balance transaction in later.
      balance_transaction:
        succeeded && intent.capture_method === 'automatic' ? randomId('txn_') : null,
      billing_details: stored.object.billing_details,
      calculated_statement_descriptor: null,
      captured: succeeded,
      created: now(),
      currency: intent.currency,
      customer: null,
      description: intent.description,
      disputed: false,
      failure_balance_transaction: null,
      failure_code: decline ? 'card_declined' : null,
      failure_message: decline ? decline.message : null,
      fraud_details: {},
      livemode: false,
      metadata: { ...intent.metadata },
      on_behalf_of: null,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: decline ? 'declined_by_network' : 'approved_by_network',
        reason: decline ? decline.declineCode : null,
        risk_level: 'normal',
        seller_message: decline
          ? 'The bank did not return any further details with this decline.'
          : 'Payment complete.',
        type: decline ? 'issuer_declined' : 'authorized',
      },
      paid: succeeded,
      payment_intent: intent.id,
      payment_method: stored.object.id,
      payment_method_details: null,
      receipt_email: intent.receipt_email,
      receipt_number: null,
      receipt_url: succeeded ? `https://pay.stripe.com/receipts/payment/${randomId('', 40)}` : null,
      refunded: false,
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: succeeded ? 'succeeded' : 'failed',
      transfer_data: null,
      transfer_group: null,
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  /** Stripe turns a test id such as `pm_card_visa` into a new PaymentMethod of its own id. */
  private resolvePaymentMethod(id: string, intent: PaymentIntentObject): StoredPaymentMethod {
    const existing = this.paymentMethods.get(id);
    if (existing) {
      if (existing.intentId !== intent.id) {
        throw invalidRequest(
          'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
          { param: 'payment_method' },
        );
      }
      return existing;
    }
    const card = TEST_CARDS[id];
    if (!card) throw noSuch('PaymentMethod', id, 'payment_method');
    const stored: StoredPaymentMethod = {
      object: paymentMethodObject(card),
      outcome: card.outcome,
      intentId: intent.id,
    };
    this.paymentMethods.set(stored.object.id, stored);
    return stored;
  }

  private automaticPaymentMethods(
    p: ParamReader,
  ): Stripe.PaymentIntent.AutomaticPaymentMethods | undefined {
    const nested = p.nested('automatic_payment_methods', ['enabled', 'allow_redirects']);
    if (!nested) return undefined;
    const enabled = nested.boolean('enabled', { required: true });
    const allowRedirects = nested.oneOf('allow_redirects', ['always', 'never']);
    return { allow_redirects: allowRedirects ?? 'always', enabled };
  }

  /** Since 2023-08-16 Stripe will not confirm without a way back from a redirecting method. */
  private assertReturnUrlIfRedirectsAllowed(
    intent: PaymentIntentObject,
    returnUrl: string | undefined,
  ): void {
    const automatic = intent.automatic_payment_methods;
    if (!automatic?.enabled || automatic.allow_redirects === 'never' || returnUrl) return;
    throw invalidParam(
      'return_url',
      'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
    );
  }

  private assertConfirmable(intent: PaymentIntentObject): void {
    if (CONFIRMABLE.includes(intent.status)) return;
    const message =
      intent.status === 'succeeded'
        ? 'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.'
        : `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`;
    throw unexpectedState(intent, message);
  }

  private intentFromPath(id: string): PaymentIntentObject {
    const intent = this.intents.get(id);
    if (!intent) throw noSuch('payment_intent', id, 'intent', 404);
    return intent;
  }

  private existingIntent(id: string): PaymentIntentObject {
    const intent = this.intents.get(id);
    if (!intent) throw new Error(`FakeStripe has no PaymentIntent ${id}`);
    return intent;
  }

  private intentAwaitingAction(id: string): PaymentIntentObject {
    const intent = this.existingIntent(id);
    if (intent.status !== 'requires_action') {
      throw new Error(
        `${id} is ${intent.status}, not requires_action: there is nothing to authenticate`,
      );
    }
    return intent;
  }

  // --- Refunds ---

  private createRefund(params: Params): object {
    const p = new ParamReader(params, [
      'payment_intent',
      'charge',
      'amount',
      'reason',
      'metadata',
      'expand',
    ]);
    const intentId = p.optionalString('payment_intent');
    const chargeId = p.optionalString('charge');
    const requested = p.optionalInteger('amount');
    const reason = p.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer']);
    const metadata = p.stringMap('metadata') ?? {};
    const expand = p.expand(['charge', 'payment_intent']);
    if (requested !== undefined && requested < 1) {
      throw invalidParam('amount', 'This value must be greater than or equal to 1.');
    }
    const charge = this.refundableCharge(intentId, chargeId);
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining === 0) {
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
        charge: charge.id,
      });
    }
    const amount = requested ?? remaining;
    if (amount > remaining) {
      const message = `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`;
      throw invalidRequest(message, { code: 'amount_too_large', param: 'amount' });
    }
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const refund: RefundObject = {
      id: randomId('re_'),
      object: 'refund',
      amount,
      balance_transaction: randomId('txn_'),
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      customer: null,
      customer_account: null,
      metadata,
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason: reason ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: this.refundsStartPending ? 'pending' : 'succeeded',
      transfer_reversal: null,
    };
    this.refundList.push(refund);
    return this.expanded(refund, expand);
  }

  private refundableCharge(
    intentId: string | undefined,
    chargeId: string | undefined,
  ): Stripe.Charge {
    if (intentId === undefined && chargeId === undefined) {
      throw invalidParam(
        'payment_intent',
        'One of the following params should be provided for this request: payment_intent or charge.',
        'parameter_missing',
      );
    }
    if (intentId !== undefined && chargeId !== undefined) {
      throw invalidParam(
        'payment_intent',
        'You may only specify one of these parameters: charge, payment_intent.',
        'parameters_exclusive',
      );
    }
    if (intentId !== undefined) {
      const intent = this.intents.get(intentId);
      if (!intent) throw noSuch('payment_intent', intentId, 'payment_intent');
      const charge = this.charges.get(idOf(intent.latest_charge));
      if (intent.status !== 'succeeded' || !charge) {
        throw invalidRequest('This PaymentIntent does not have a successful charge to refund.', {
          param: 'payment_intent',
        });
      }
      return charge;
    }
    const charge = this.charges.get(String(chargeId));
    if (!charge) throw noSuch('charge', String(chargeId), 'charge');
    if (charge.status !== 'succeeded') {
      throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, {
        param: 'charge',
      });
    }
    return charge;
  }

  private listRefunds(params: Params): object {
    const p = new ParamReader(params, [
      'payment_intent',
      'charge',
      'limit',
      'starting_after',
      'ending_before',
      'expand',
    ]);
    const intentId = p.optionalString('payment_intent');
    const chargeId = p.optionalString('charge');
    const limit = p.optionalInteger('limit') ?? 10;
    if (limit < 1 || limit > 100) {
      throw invalidParam(
        'limit',
        'This value must be greater than or equal to 1 and less than or equal to 100.',
      );
    }
    const startingAfter = p.optionalString('starting_after');
    const endingBefore = p.optionalString('ending_before');
    const expand = p.expand(['data.charge', 'data.payment_intent']).map((path) => path.slice(5));

    const newestFirst = this.refundList
      .filter((r) => intentId === undefined || r.payment_intent === intentId)
      .filter((r) => chargeId === undefined || r.charge === chargeId)
      .reverse();
    const position = (cursor: string, param: string) => {
      const index = newestFirst.findIndex((r) => r.id === cursor);
      if (index === -1) throw noSuch('refund', cursor, param);
      return index;
    };
    let page: RefundObject[];
    let hasMore: boolean;
    if (endingBefore !== undefined) {
      const before = newestFirst.slice(0, position(endingBefore, 'ending_before'));
      page = before.slice(-limit);
      hasMore = before.length > limit;
    } else {
      const after =
        startingAfter === undefined
          ? newestFirst
          : newestFirst.slice(position(startingAfter, 'starting_after') + 1);
      page = after.slice(0, limit);
      hasMore = after.length > limit;
    }
    return {
      object: 'list',
      data: page.map((refund) => this.expanded(refund, expand)),
      has_more: hasMore,
      url: '/v1/refunds',
    };
  }

  private retrieveRefund(params: Params, id: string): object {
    const p = new ParamReader(params, ['expand']);
    const expand = p.expand(['charge', 'payment_intent']);
    const refund = this.refundList.find((r) => r.id === id);
    if (!refund) throw noSuch('refund', id, 'refund', 404);
    return this.expanded(refund, expand);
  }

  /** A copy of the object with the expanded ids replaced by the objects they name. */
  private expanded(object: object, paths: string[]): object {
    const copy: Record<string, unknown> = structuredClone({ ...object });
    const lookups: Record<string, (id: string) => unknown> = {
      payment_method: (id) => this.paymentMethods.get(id)?.object,
      latest_charge: (id) => this.charges.get(id),
      charge: (id) => this.charges.get(id),
      payment_intent: (id) => this.intents.get(id),
    };
    for (const path of paths) {
      const id = copy[path];
      if (typeof id === 'string') copy[path] = structuredClone(lookups[path]?.(id) ?? id);
    }
    return copy;
  }
}

// --- parameters ---

/**
 * Reads Stripe's form parameters (all strings on the wire) as Stripe validates them, naming
 * each parameter in its errors as Stripe does, `automatic_payment_methods[enabled]` included.
 */
class ParamReader {
  constructor(
    private readonly params: Params,
    allowed: readonly string[],
    private readonly prefix = '',
  ) {
    for (const name of Object.keys(params)) {
      if (!allowed.includes(name)) {
        const param = this.name(name);
        throw invalidParam(param, `Received unknown parameter: ${param}`, 'parameter_unknown');
      }
    }
  }

  requiredString(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') throw this.missing(name);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.params[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw invalidParam(this.name(name), `Invalid string: ${JSON.stringify(value)}`);
    }
    return value;
  }

  requiredInteger(name: string): number {
    const value = this.optionalInteger(name);
    if (value === undefined) throw this.missing(name);
    return value;
  }

  optionalInteger(name: string): number | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) {
      throw invalidParam(this.name(name), `Invalid integer: ${value}`, 'parameter_invalid_integer');
    }
    return Number(value);
  }

  boolean(name: string, options: { required: true }): boolean;
  boolean(name: string): boolean | undefined;
  boolean(name: string, options?: { required: true }): boolean | undefined {
    const value = this.optionalString(name);
    if (value === undefined) {
      if (options?.required) throw this.missing(name);
      return undefined;
    }
    if (value !== 'true' && value !== 'false') {
      throw invalidParam(this.name(name), `Invalid boolean: ${value}`);
    }
    return value === 'true';
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      const choices = `${values.slice(0, -1).join(', ')}, or ${values.at(-1)}`;
      throw invalidParam(this.name(name), `Invalid ${this.name(name)}: must be one of ${choices}`);
    }
    return value as T;
  }

  stringList(name: string): string[] | undefined {
    const value = this.params[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw invalidParam(this.name(name), `Invalid array`);
    }
    return value as string[];
  }

  /** Metadata: a hash of strings, where an empty value (`metadata=`) means none. */
  stringMap(name: string): Record<string, string> | undefined {
    const value = this.params[name];
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string')) {
      throw invalidParam(this.name(name), `Invalid ${this.name(name)}: must be a hash of strings`);
    }
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== '')) as Record<
      string,
      string
    >;
  }

  nested(name: string, allowed: readonly string[]): ParamReader | undefined {
    const value = this.params[name];
    if (value === undefined) return undefined;
    if (!isRecord(value)) throw invalidParam(this.name(name), `Invalid object`);
    return new ParamReader(value, allowed, this.name(name));
  }

  expand(expandable: readonly string[]): string[] {
    const paths = this.stringList('expand') ?? [];
    const unknown = paths.find((path) => !expandable.includes(path));
    if (unknown !== undefined) {
      throw invalidParam('expand', `This property cannot be expanded (${unknown}).`);
    }
    return paths;
  }

  private name(name: string): string {
    return this.prefix ? `${this.prefix}[${name}]` : name;
  }

  private missing(name: string): StripeApiError {
    const param = this.name(name);
    return invalidParam(param, `Missing required param: ${param}.`, 'parameter_missing');
  }
}

/**
 * Decodes Stripe's bracket notation (`metadata[order_id]=1`, `expand[0]=x`, `expand[]=x`) into
 * objects and arrays, as Stripe's servers read what the SDK encodes.
 */
function parseForm(search: URLSearchParams): Params {
  const root: Params = Object.create(null) as Params;
  for (const [key, value] of search) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const segments = match
      ? [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])]
      : [key];
    let node = root;
    segments.forEach((segment, index) => {
      const name = segment === '' ? String(Object.keys(node).length) : segment; // `[]` appends
      if (index === segments.length - 1) {
        node[name] = value;
        return;
      }
      if (!isRecord(node[name])) node[name] = Object.create(null) as Params;
      node = node[name] as Params;
    });
  }
  return Object.fromEntries(
    Object.entries(root).map(([name, value]) => [name, arraysFromIndexedObjects(value)]),
  );
}

function arraysFromIndexedObjects(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, arraysFromIndexedObjects(v)] as const);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

/** Parameters compared as Stripe compares them: by value, whatever order they were sent in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- small helpers ---

function checkAmountLimits(amount: number, currency: string): void {
  const minimum = MINIMUM_AMOUNT[currency] ?? 1;
  if (amount < minimum) {
    throw invalidParam(
      'amount',
      `Amount must be at least ${formatAmount(minimum, currency)} ${currency}`,
      'amount_too_small',
    );
  }
  if (amount > MAXIMUM_AMOUNT) {
    throw invalidParam(
      'amount',
      `Amount must be no more than ${formatAmount(MAXIMUM_AMOUNT, currency)}`,
      'amount_too_large',
    );
  }
}

/** An amount in the currency's smallest unit, written as Stripe's messages write it ("$21.45"). */
function formatAmount(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
  });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

function nextAction(
  intent: PaymentIntentObject,
  confirmation: { returnUrl?: string; useStripeSdk: boolean },
): Stripe.PaymentIntent.NextAction {
  if (confirmation.returnUrl && !confirmation.useStripeSdk) {
    return {
      type: 'redirect_to_url',
      redirect_to_url: {
        url: `https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=${intent.id}`,
        return_url: confirmation.returnUrl,
      },
    };
  }
  const source = randomId('src_');
  return {
    type: 'use_stripe_sdk',
    // Only Stripe.js reads this; Stripe documents its shape as subject to change.
    use_stripe_sdk: {
      type: 'three_d_secure_redirect',
      stripe_js: `https://hooks.stripe.com/redirect/authenticate/${source}?client_secret=${intent.client_secret}`,
      source,
    },
  };
}

type IntentFields = Pick<
  PaymentIntentObject,
  | 'amount'
  | 'currency'
  | 'metadata'
  | 'description'
  | 'receipt_email'
  | 'capture_method'
  | 'automatic_payment_methods'
  | 'payment_method_configuration_details'
  | 'payment_method_types'
  | 'allowed_payment_method_types'
>;

/** A new intent as Stripe creates one: unpaid, and every field the API version has. */
function paymentIntentObject(fields: IntentFields): PaymentIntentObject {
  const id = randomId('pi_');
  return {
    id,
    object: 'payment_intent',
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    canceled_at: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomId('', 25)}`,
    confirmation_method: 'automatic',
    created: now(),
    customer: null,
    customer_account: null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_options: {},
    payment_record: null,
    processing: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    ...fields,
  };
}

function paymentMethodObject(card: TestCard): Stripe.PaymentMethod {
  return {
    id: randomId('pm_'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: {
        city: null,
        country: null,
        line1: null,
        line2: null,
        postal_code: null,
        state: null,
      },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date().getFullYear() + 3,
      fingerprint: randomId('', 16),
      funding: 'credit',
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

function unexpectedState(intent: PaymentIntentObject, message: string): StripeApiError {
  return invalidRequest(message, {
    code: 'payment_intent_unexpected_state',
    payment_intent: structuredClone(intent),
  });
}

function idempotencyError(message: string): StripeApiError {
  return new StripeApiError(400, { type: 'idempotency_error', message }, false);
}

function faultError(status: number): StripeApiError {
  return new StripeApiError(status, {
    type: status >= 500 ? 'api_error' : 'invalid_request_error',
    message: status >= 500 ? 'An unknown error occurred' : `Injected fault (HTTP ${status})`,
  });
}

/** The fake keeps references unexpanded, but the SDK's types allow either. */
function idOf(reference: string | { id: string } | null): string {
  return typeof reference === 'string' ? reference : (reference?.id ?? '');
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

function apiKeyFrom(authorization: string | undefined): string | undefined {
  const [scheme, credentials] = authorization?.split(' ') ?? [];
  if (scheme?.toLowerCase() === 'bearer') return credentials;
  // curl -u sk_test_…: sends the key as the Basic user name, which Stripe accepts too.
  if (scheme?.toLowerCase() === 'basic' && credentials) {
    return Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  }
  return undefined;
}

/** Stripe shows a wrong key with all but its prefix and last four characters hidden. */
function maskKey(key: string): string {
  const prefix = /^[a-z]+_(?:test|live)_/.exec(key)?.[0] ?? '';
  const hidden = Math.max(0, key.length - prefix.length - 4);
  return prefix + '*'.repeat(hidden) + key.slice(prefix.length + hidden);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomId(prefix: string, length = 24): string {
  let id = prefix;
  for (const byte of randomBytes(length)) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
