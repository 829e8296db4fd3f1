import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import type { BeginOutcome } from '../payments/payment.records.js';
import { PaymentsService, type ChargeOutcome } from '../payments/payments.service.js';
import { REFUND_GRACE_SECONDS, RefundsService } from '../payments/refunds/refunds.service.js';
import type { CreateOrderInput } from './dto/create-order.input.js';
import { OrderOutput } from './dto/order.output.js';
import { replay, type IdempotentRequest } from './idempotency/idempotency.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { EventAccess } from '../events/event-access.js';
import { HoldBatcher } from './hold-batcher.js';
import type { AttendeeName, HoldOutcome, OrderRecord, OrderWithEvent } from './order.records.js';
import { holdRefusal, OrdersErrors } from './orders.errors.js';
import { OrdersRepository } from './orders.repository.js';
import { buyerRefundCents, refundDeadlineOf } from './refund-policy.js';

type HeldOrder = Extract<HoldOutcome, { outcome: 'HELD' }>['order'];

/**
 * An answer and its status. `final` answers are kept for the requests' Idempotency-Key retries;
 * one that will change (a payment still in progress, 202) is not: a retry looks again.
 */
export interface OrderAnswer {
  status: 200 | 201 | 202;
  body: OrderOutput;
  final: boolean;
  /** The stored answer of an earlier request with the same Idempotency-Key, sent again. */
  replayed?: true;
}

@Injectable()
export class OrdersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orders: OrdersRepository,
    private readonly idempotency: IdempotencyService,
    private readonly payments: PaymentsService,
    private readonly refunds: RefundsService,
    private readonly metrics: MetricsService,
    private readonly batcher: HoldBatcher,
    private readonly access: EventAccess,
  ) {}

  /**
   * Holds stock for every item at once, all or nothing: every rule is checked in the transaction
   * that takes the stock (eventflow_hold_order, or eventflow_hold_batch for the flash-sale shape).
   * With an Idempotency-Key, the order's id is the key's, so a retry finds the order it made.
   */
  async create(
    caller: AuthUser,
    input: CreateOrderInput,
    idempotent?: IdempotentRequest,
  ): Promise<OrderAnswer> {
    const ids = input.items.map((item) => item.ticketTypeId.toLowerCase());
    if (new Set(ids).size !== ids.length) throw OrdersErrors.duplicateItems();
    const items = input.items.map((item, index) => ({
      ticketTypeId: ids[index],
      quantity: item.quantity,
    }));
    return this.idempotently(caller, idempotent, async (orderId) => {
      const outcome = await this.holdStock(caller, items, orderId);
      if (outcome.outcome === 'EXISTS') {
        return { status: 201, body: await this.ownOrderOutput(caller, orderId!), final: true };
      }
      this.metrics.countOrders(
        outcome.outcome === 'HELD'
          ? 'held'
          : outcome.outcome === 'SOLD_OUT'
            ? 'sold_out'
            : 'rejected',
      );
      if (outcome.outcome !== 'HELD') throw holdRefusal(outcome);
      return { status: 201, body: heldOrderOutput(outcome.order), final: true };
    });
  }

  /**
   * The flash-sale shape (one ticket type, no Idempotency-Key) goes through the batcher; the rest,
   * and ticket types with maxPerBuyer, through the single hold.
   */
  private async holdStock(
    caller: AuthUser,
    items: { ticketTypeId: string; quantity: number }[],
    keyedOrderId: string | undefined,
  ): Promise<HoldOutcome> {
    const orderId = keyedOrderId ?? randomUUID();
    if (!keyedOrderId && items.length === 1) {
      const batched = await this.batcher.hold({ orderId, userId: caller.id, ...items[0] });
      if (batched.outcome !== 'SINGLE') return batched;
    }
    return this.orders.hold({
      orderId,
      userId: caller.id,
      items,
      holdSeconds: this.config.orderHoldSeconds,
    });
  }

  /**
   * Pays the order with a payment token, confirmed here (server-side). The attempt is recorded
   * before the provider is called, so two clicks on "pay" find each other (409) instead of
   * charging twice, and an attempt whose answer is lost is settled by the sweeper. Answers 200
   * PAID, or 202 while the buyer must act (3-D Secure) or the provider has not finished.
   */
  async pay(
    caller: AuthUser,
    orderId: string,
    payment: { token: string; attendees: AttendeeName[] | null },
    idempotent?: IdempotentRequest,
  ): Promise<OrderAnswer> {
    const paymentToken = payment.token;
    return this.idempotently(caller, idempotent, async (paymentId) => {
      const begun = await this.payments.begin(
        caller.id,
        orderId,
        paymentId ?? randomUUID(),
        payment.attendees,
      );
      switch (begun.outcome) {
        case 'STARTED':
          return this.answerCharge(
            orderId,
            await this.payments.charge(begun.payment, paymentToken),
          );
        case 'EXISTS':
          return this.answerCharge(orderId, await this.payments.outcomeOf(begun.payment));
        case 'FREE':
          return this.payFree(caller, orderId);
        case 'IN_PROGRESS':
          throw OrdersErrors.paymentInProgress(begun.payment.id, begun.payment.status);
        default:
          throw notPayable(begun);
      }
    });
  }

  /**
   * Client-side confirmation: opens a payment for the buyer's browser (Stripe.js) and answers its
   * client secret; the order becomes PAID when the provider reports the payment succeeded (its
   * webhook). Asking again while that payment is open answers the same one.
   */
  async checkout(
    caller: AuthUser,
    orderId: string,
    idempotent?: IdempotentRequest,
  ): Promise<OrderAnswer> {
    if (!this.payments.confirmsInBrowser) throw OrdersErrors.browserCheckoutUnavailable();
    return this.idempotently(caller, idempotent, async (paymentId) => {
      const begun = await this.payments.begin(caller.id, orderId, paymentId ?? randomUUID());
      switch (begun.outcome) {
        case 'STARTED':
          return this.answerCharge(orderId, await this.payments.openInBrowser(begun.payment));
        case 'EXISTS':
          return this.answerCharge(orderId, await this.payments.outcomeOf(begun.payment));
        case 'IN_PROGRESS':
          if (begun.payment.status === 'REQUIRES_ACTION') {
            return this.answerCharge(orderId, await this.payments.outcomeOf(begun.payment));
          }
          throw OrdersErrors.paymentInProgress(begun.payment.id, begun.payment.status);
        case 'FREE':
          throw OrdersErrors.nothingToPay();
        default:
          throw notPayable(begun);
      }
    });
  }

  /**
   * By the buyer or the event's organizer or managers. A pending order is cancelled, its stock
   * back. A paid one is refunded: by its buyer under the event's refund policy (allowed at all,
   * before the deadline, less the fee), by the organizer or a manager in full; never once a ticket
   * of it was used.
   */
  async cancel(caller: AuthUser, orderId: string): Promise<OrderOutput> {
    const order = await this.orders.findById(orderId);
    if (!order) throw OrdersErrors.orderNotFound();
    const byOrganizer = await this.mayAct(caller, order, 'refund-orders');
    if (order.userId !== caller.id && !byOrganizer) throw OrdersErrors.orderNotFound();
    if (order.status === 'PENDING') {
      const outcome = await this.orders.cancelPending(order.id);
      if (outcome.outcome === 'CANCELLED') {
        this.metrics.countOrders('cancelled');
        return this.orderOutput(order.id);
      }
      // Paid meanwhile: it is refunded instead, under the rules for a paid order.
      if (outcome.outcome !== 'NOT_PENDING' || outcome.orderStatus !== 'PAID') {
        throw OrdersErrors.notCancellable(
          outcome.outcome === 'NOT_PENDING' ? outcome.orderStatus : order.status,
        );
      }
      return this.refundPaid({ ...order, status: 'PAID' }, byOrganizer);
    }
    if (order.status === 'PAID') return this.refundPaid(order, byOrganizer);
    throw OrdersErrors.notCancellable(order.status);
  }

  private async refundPaid(order: OrderWithEvent, byOrganizer: boolean): Promise<OrderOutput> {
    const refundCents = byOrganizer ? order.totalCents : this.buyerRefund(order);
    const outcome = await this.orders.refund(
      order.id,
      refundCents,
      byOrganizer ? 'CANCELLED_BY_ORGANIZER' : 'REQUESTED_BY_BUYER',
      REFUND_GRACE_SECONDS,
    );
    switch (outcome.outcome) {
      case 'TICKET_USED':
        throw OrdersErrors.ticketUsed();
      case 'NOT_PAID':
        throw OrdersErrors.notCancellable(outcome.orderStatus);
      case 'NOT_FOUND':
        throw OrdersErrors.orderNotFound();
      case 'REFUNDED':
        this.metrics.countOrders('refunded');
        if (outcome.refundId) await this.refunds.send([outcome.refundId]);
        return this.orderOutput(order.id);
    }
  }

  /** The buyer's refund under the event's policy, or why there is none. */
  private buyerRefund(order: OrderWithEvent): number {
    if (!order.event.refundsAllowed) throw OrdersErrors.refundsNotAllowed();
    const deadline = refundDeadlineOf(order.event);
    if (deadline.getTime() <= Date.now()) throw OrdersErrors.refundWindowClosed(deadline);
    return buyerRefundCents(order.totalCents, order.event);
  }

  async list(
    caller: AuthUser,
    page: number,
    limit: number,
  ): Promise<{ orders: OrderRecord[]; meta: PageMeta }> {
    const { orders, total } = await this.orders.listForBuyer(caller.id, page, limit);
    return { orders, meta: pageMeta(page, limit, total) };
  }

  /**
   * Names who the tickets of a pending order will be for, before they exist (they take the names
   * when the order is paid). The condition is in the update: an order paid meanwhile is a 409.
   */
  async nameAttendees(
    caller: AuthUser,
    orderId: string,
    attendees: AttendeeName[],
  ): Promise<OrderOutput> {
    const outcome = await this.orders.nameAttendees(orderId, caller.id, attendees);
    switch (outcome.outcome) {
      case 'NAMED':
        return this.orderOutput(orderId);
      case 'NOT_FOUND':
        throw OrdersErrors.orderNotFound();
      case 'NOT_PENDING':
        throw OrdersErrors.notPending(outcome.orderStatus);
      case 'DO_NOT_MATCH':
        throw OrdersErrors.attendeesDoNotMatch();
    }
  }

  /**
   * The buyer's own order, or one of an event the caller organizes or manages; anyone else's is a
   * 404 that does not reveal it exists.
   */
  async get(caller: AuthUser, orderId: string): Promise<OrderRecord> {
    const order = await this.orders.findById(orderId);
    if (!order) throw OrdersErrors.orderNotFound();
    if (order.userId !== caller.id && !(await this.mayAct(caller, order, 'see-orders')))
      throw OrdersErrors.orderNotFound();
    return order;
  }

  private mayAct(
    caller: AuthUser,
    order: OrderWithEvent,
    action: 'see-orders' | 'refund-orders',
  ): Promise<boolean> {
    return this.access.allows(
      caller,
      { id: order.eventId, organizerId: order.event.organizerId },
      action,
    );
  }

  private async payFree(caller: AuthUser, orderId: string): Promise<OrderAnswer> {
    const paid = await this.payments.payFree(caller.id, orderId);
    switch (paid.outcome) {
      case 'PAID':
        this.metrics.countOrders('paid');
        return { status: 200, body: await this.orderOutput(orderId), final: true };
      case 'NOT_PENDING':
        throw OrdersErrors.notPending(paid.orderStatus as OrderRecord['status']);
      case 'EXPIRED':
        throw OrdersErrors.holdExpired();
      case 'NOT_FOUND':
        throw OrdersErrors.orderNotFound();
    }
  }

  private async answerCharge(orderId: string, outcome: ChargeOutcome): Promise<OrderAnswer> {
    switch (outcome.kind) {
      case 'paid':
        this.metrics.countOrders('paid');
        return { status: 200, body: await this.orderOutput(orderId), final: true };
      case 'action-required':
        return {
          status: 202,
          body: await this.orderOutput(orderId, outcome.clientSecret),
          final: false,
        };
      case 'processing':
        return { status: 202, body: await this.orderOutput(orderId), final: false };
      case 'declined':
        throw OrdersErrors.paymentDeclined(outcome.reason);
      case 'provider-failed':
        throw OrdersErrors.paymentProviderFailed();
      case 'provider-unavailable':
        throw OrdersErrors.paymentProviderUnavailable();
      case 'not-payable':
        throw OrdersErrors.noLongerPayable();
    }
  }

  private async orderOutput(
    orderId: string,
    clientSecret: string | null = null,
  ): Promise<OrderOutput> {
    const order = await this.orders.findById(orderId);
    if (!order) throw OrdersErrors.orderNotFound();
    return OrderOutput.from(order, clientSecret);
  }

  private async ownOrderOutput(caller: AuthUser, orderId: string): Promise<OrderOutput> {
    return OrderOutput.from(await this.get(caller, orderId));
  }

  /**
   * Runs `operation` once per Idempotency-Key, with the id the key fixes for what it makes; a
   * retry gets the first final answer again.
   */
  private async idempotently(
    caller: AuthUser,
    idempotent: IdempotentRequest | undefined,
    operation: (resourceId: string | undefined) => Promise<OrderAnswer>,
  ): Promise<OrderAnswer> {
    if (!idempotent) return operation(undefined);
    const start = await this.idempotency.begin(caller.id, idempotent);
    if (start.kind === 'replay') {
      return {
        status: start.answer.status as OrderAnswer['status'],
        body: replay<OrderOutput>(start.answer),
        final: true,
        replayed: true,
      };
    }
    try {
      const answer = await operation(start.resourceId);
      if (answer.final) {
        await this.idempotency.succeed(caller.id, idempotent, answer.status, answer.body);
      } else {
        await this.idempotency.keepOpen(caller.id, idempotent);
      }
      return answer;
    } catch (error) {
      await this.idempotency.settleFailure(caller.id, idempotent, error);
      throw error;
    }
  }
}

/** Why an order cannot be paid, from eventflow_begin_payment's answer. */
function notPayable(begun: BeginOutcome) {
  switch (begun.outcome) {
    case 'NOT_FOUND':
      return OrdersErrors.orderNotFound();
    case 'NOT_PENDING':
      return OrdersErrors.notPending(begun.orderStatus as OrderRecord['status']);
    case 'EXPIRED':
      return OrdersErrors.holdExpired();
    case 'TOO_MANY_DECLINES':
      return OrdersErrors.tooManyDeclines(begun.expiresAt);
    case 'ATTENDEES_DO_NOT_MATCH':
      return OrdersErrors.attendeesDoNotMatch();
    case 'NAMES_REQUIRED':
      return OrdersErrors.namesRequired(begun.tickets, begun.named);
    default:
      throw new Error(`eventflow_begin_payment answered ${begun.outcome}, which is not a refusal`);
  }
}

function heldOrderOutput(order: HeldOrder): OrderOutput {
  return OrderOutput.from({
    id: order.id,
    eventId: order.eventId,
    status: 'PENDING',
    items: order.items,
    totalCents: order.totalCents,
    currency: order.currency,
    expiresAt: new Date(order.expiresAt),
    createdAt: new Date(order.createdAt),
    paidAt: null,
    cancelledAt: null,
    refundedCents: 0,
    refundedAt: null,
    attendees: null,
    tickets: [],
    payment: null,
  });
}
