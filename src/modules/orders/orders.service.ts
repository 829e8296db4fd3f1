import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import {
  PAYMENT_PROVIDER,
  PaymentProviderError,
  type PaymentProvider,
} from '../payments/payment-provider.js';
import { newTicketCode } from '../tickets/ticket-code.js';
import type { CreateOrderInput } from './dto/create-order.input.js';
import { OrderOutput } from './dto/order.output.js';
import { replay, type IdempotentRequest } from './idempotency/idempotency.js';
import { IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { HoldBatcher } from './hold-batcher.js';
import type { HoldOutcome, OrderRecord } from './order.records.js';
import { holdRefusal, OrdersErrors } from './orders.errors.js';
import { OrdersRepository } from './orders.repository.js';

type HeldOrder = Extract<HoldOutcome, { outcome: 'HELD' }>['order'];

@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orders: OrdersRepository,
    private readonly idempotency: IdempotencyService,
    private readonly idempotencyKeys: IdempotencyRepository,
    @Inject(PAYMENT_PROVIDER) private readonly payments: PaymentProvider,
    private readonly metrics: MetricsService,
    private readonly batcher: HoldBatcher,
  ) {}

  /**
   * Holds stock for every item at once, all or nothing: every rule is checked in the transaction
   * that takes the stock (eventflow_hold_order, or eventflow_hold_batch for the flash-sale shape).
   * With an Idempotency-Key, the answer commits with the order.
   */
  async create(
    caller: AuthUser,
    input: CreateOrderInput,
    idempotent?: IdempotentRequest,
  ): Promise<OrderOutput> {
    const ids = input.items.map((item) => item.ticketTypeId.toLowerCase());
    if (new Set(ids).size !== ids.length) throw OrdersErrors.duplicateItems();
    const items = input.items.map((item, index) => ({
      ticketTypeId: ids[index],
      quantity: item.quantity,
    }));
    return this.idempotently(caller, idempotent, async () => {
      const outcome = await this.holdStock(caller, items, idempotent);
      this.metrics.countOrders(
        outcome.outcome === 'HELD'
          ? 'held'
          : outcome.outcome === 'SOLD_OUT'
            ? 'sold_out'
            : 'rejected',
      );
      if (outcome.outcome !== 'HELD') throw holdRefusal(outcome);
      return heldOrderOutput(outcome.order);
    });
  }

  /**
   * The flash-sale shape (one ticket type, no Idempotency-Key) goes through the batcher; the rest,
   * and ticket types with maxPerBuyer, through the single hold, whose answer can commit with an
   * idempotency key in one transaction.
   */
  private async holdStock(
    caller: AuthUser,
    items: { ticketTypeId: string; quantity: number }[],
    idempotent: IdempotentRequest | undefined,
  ): Promise<HoldOutcome> {
    const orderId = randomUUID();
    if (!idempotent && items.length === 1) {
      const batched = await this.batcher.hold({ orderId, userId: caller.id, ...items[0] });
      if (batched.outcome !== 'SINGLE') return batched;
    }
    return this.orders.hold(
      { orderId, userId: caller.id, items, holdSeconds: this.config.orderHoldSeconds },
      idempotent &&
        (async (tx, held) => {
          if (held.outcome === 'HELD') {
            await this.idempotencyKeys.completeIn(tx, caller.id, idempotent.key, {
              kind: 'ok',
              status: 201,
              body: heldOrderOutput(held.order),
            });
          }
        }),
    );
  }

  /**
   * Charges the buyer and issues the tickets. No database lock is held while the provider works;
   * PENDING -> PAID is then conditional (still pending, not expired, event not cancelled), and a
   * charge for an order that stopped being payable meanwhile is refunded.
   */
  async pay(
    caller: AuthUser,
    orderId: string,
    paymentToken: string,
    idempotent?: IdempotentRequest,
  ): Promise<OrderOutput> {
    return this.idempotently(caller, idempotent, async () => {
      const order = await this.orders.findById(orderId);
      if (!order || order.userId !== caller.id) throw OrdersErrors.orderNotFound();
      if (order.status !== 'PENDING') throw OrdersErrors.notPending(order.status);
      if (order.expiresAt.getTime() <= Date.now()) throw OrdersErrors.holdExpired();

      const reference = await this.charge(order, paymentToken);
      const tickets = order.items.flatMap((item) =>
        Array.from({ length: item.quantity }, () => ({
          code: newTicketCode(),
          ticketTypeId: item.ticketTypeId,
        })),
      );
      const paidView = (paidAt: Date): OrderOutput =>
        OrderOutput.from({
          ...order,
          status: 'PAID',
          paidAt,
          tickets: tickets.map((t) => ({
            ...t,
            eventId: order.eventId,
            orderId: order.id,
            status: 'VALID',
            checkedInAt: null,
          })),
        });
      const paidAt = await this.orders.markPaid(
        order.id,
        reference,
        tickets,
        idempotent &&
          (async (tx, at) => {
            if (at)
              await this.idempotencyKeys.completeIn(tx, caller.id, idempotent.key, {
                kind: 'ok',
                status: 200,
                body: paidView(at),
              });
          }),
      );
      if (!paidAt) {
        if (reference) {
          // Recorded first: if the refund below fails, the sweeper finds the charge and retries.
          await this.orders.recordChargeToRefund(order.id, reference);
          await this.refundCharge(order.id, reference, order.totalCents, order.currency);
        }
        throw OrdersErrors.noLongerPayable();
      }
      this.metrics.countOrders('paid');
      return paidView(paidAt);
    });
  }

  /** By the buyer or the event's organizer. A paid order is refunded until the event starts. */
  async cancel(caller: AuthUser, orderId: string): Promise<OrderOutput> {
    const order = await this.orders.findWithEvent(orderId);
    if (!order || (order.userId !== caller.id && order.event.organizerId !== caller.id))
      throw OrdersErrors.orderNotFound();
    if (order.status === 'PAID' && order.event.startsAt.getTime() <= Date.now())
      throw OrdersErrors.refundWindowClosed();
    if (order.status !== 'PENDING' && order.status !== 'PAID')
      throw OrdersErrors.notCancellable(order.status);
    if (!(await this.orders.cancel(order.id, order.status))) {
      const now = await this.orders.findById(order.id);
      throw OrdersErrors.notCancellable(now?.status ?? order.status);
    }
    this.metrics.countOrders('cancelled');
    if (order.status === 'PAID' && order.paymentRef) {
      await this.refundCharge(order.id, order.paymentRef, order.totalCents, order.currency);
    }
    return OrderOutput.from((await this.orders.findById(order.id))!);
  }

  async list(
    caller: AuthUser,
    page: number,
    limit: number,
  ): Promise<{ orders: OrderRecord[]; meta: PageMeta }> {
    const { orders, total } = await this.orders.listForBuyer(caller.id, page, limit);
    return { orders, meta: pageMeta(page, limit, total) };
  }

  /** The buyer's own order; anyone else's is a 404 that does not reveal it exists. */
  async get(caller: AuthUser, orderId: string): Promise<OrderRecord> {
    const order = await this.orders.findById(orderId);
    if (!order || order.userId !== caller.id) throw OrdersErrors.orderNotFound();
    return order;
  }

  /**
   * Refunds a charge recorded on the order (payment_ref). If the provider fails, the order stays
   * without refunded_at and the sweeper retries it; refunds are idempotent per order.
   */
  async refundCharge(
    orderId: string,
    reference: string,
    amountCents: number,
    currency: string,
  ): Promise<void> {
    try {
      await this.payments.refund({ orderId, reference, amountCents, currency });
      await this.orders.markRefunded(orderId);
    } catch (error) {
      this.logger.error(
        `Refund of order ${orderId} failed; the sweeper will retry it: ${(error as Error).message}`,
      );
    }
  }

  /** The provider's charge reference; null for a free order (nothing to charge). */
  private async charge(order: OrderRecord, paymentToken: string): Promise<string | null> {
    if (order.totalCents === 0) return null;
    let result;
    try {
      result = await this.payments.charge({
        orderId: order.id,
        amountCents: order.totalCents,
        currency: order.currency,
        paymentToken,
      });
    } catch (error) {
      if (error instanceof PaymentProviderError) {
        this.logger.warn(`Payment provider failed for order ${order.id}: ${error.message}`);
        throw OrdersErrors.paymentProviderFailed();
      }
      throw error;
    }
    if (!result.approved) {
      this.metrics.countOrders('declined');
      throw OrdersErrors.paymentDeclined(result.reason);
    }
    return result.reference;
  }

  /** Runs `operation` once per Idempotency-Key; a retry gets the first answer again. */
  private async idempotently<T>(
    caller: AuthUser,
    idempotent: IdempotentRequest | undefined,
    operation: () => Promise<T>,
  ): Promise<T> {
    if (!idempotent) return operation();
    const earlier = await this.idempotency.begin(caller.id, idempotent);
    if (earlier) return replay<T>(earlier);
    try {
      return await operation();
    } catch (error) {
      await this.idempotency.settleFailure(caller.id, idempotent, error);
      throw error;
    }
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
    tickets: [],
  });
}
