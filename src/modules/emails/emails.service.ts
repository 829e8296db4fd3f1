import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { JobQueue } from '../../infrastructure/jobs/job-queue.js';
import { hashPasswordResetToken } from '../auth/password-reset-token.js';
import { EMAIL_JOBS, readPayload } from './email-jobs.js';
import { EMAIL_TRIGGER_TYPES, type EmailTriggerType } from './email-triggers.js';
import { EmailsRepository, type OutboxMessage } from './emails.repository.js';
import { Mailer } from './mailer.js';
import {
  eventCancelledEmail,
  orderCancelledEmail,
  orderConfirmationEmail,
  orderRefundedEmail,
  type TicketForEmail,
} from './order-emails.js';
import { passwordResetEmail, passwordResetLink } from './password-reset-email.js';
import { ticketQrPng } from './ticket-qr.js';

/**
 * Inline QR images per confirmation: an order may hold 2,000 tickets, and an email of 2,000
 * images is one that mail servers refuse. Past this many, the codes are listed and each ticket's
 * QR code is one request away (GET /api/tickets/:code/qr).
 */
export const MAX_QR_IMAGES = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isEmailTrigger = (type: string): type is EmailTriggerType =>
  (EMAIL_TRIGGER_TYPES as readonly string[]).includes(type);

/**
 * The email jobs. Each reads what it shows when it runs (not when it was queued) and sends one
 * email; a send that throws fails the job, which the queue retries with its backoff.
 */
@Injectable()
export class EmailsService {
  private readonly logger = new Logger('Emails');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    jobs: JobQueue,
    private readonly emails: EmailsRepository,
    private readonly mailer: Mailer,
  ) {
    jobs.define(EMAIL_JOBS.outbox, (payload) => this.onOutboxMessage(payload));
    jobs.define(EMAIL_JOBS.eventCancelled, (payload) => this.sendEventCancelled(payload));
    jobs.define(EMAIL_JOBS.passwordReset, (payload) => this.sendPasswordReset(payload));
  }

  async onOutboxMessage(payload: unknown): Promise<void> {
    const read = readPayload(payload, ['messageId'], ['messageId']);
    if (!read) return this.drop(EMAIL_JOBS.outbox, payload);
    const message = await this.emails.findOutboxMessage(read.messageId);
    if (!message) {
      // Outbox rows are kept 30 days; a job older than that has nothing left to tell.
      this.logger.warn(`Outbox message ${read.messageId} is gone; no email sent`);
      return;
    }
    if (!isEmailTrigger(message.type)) {
      this.logger.warn(`Outbox message ${message.id} is a ${message.type}, which sends no email`);
      return;
    }
    switch (message.type) {
      case 'order.paid':
        return this.sendOrderConfirmation(message);
      case 'order.cancelled':
      case 'order.refunded':
        return this.sendOrderNotice(message, message.type);
      case 'event.cancelled':
        return this.fanOutEventCancelled(message);
    }
  }

  private async sendOrderConfirmation(message: OutboxMessage): Promise<void> {
    const order = await this.findOrderOf(message);
    if (!order) return;
    if (order.status !== 'PAID') {
      // Refunded or cancelled since: its tickets are void, and that notice is on its way instead.
      this.logger.log(`Order ${order.orderId} is ${order.status} now; no confirmation sent`);
      return;
    }
    const tickets = await this.emails.findTickets(order.orderId);
    const withQr: TicketForEmail[] = await Promise.all(
      tickets.map(async (ticket, index) => ({
        ...ticket,
        qrPng: index < MAX_QR_IMAGES ? await ticketQrPng(ticket.code) : undefined,
      })),
    );
    await this.mailer.send(
      'order-confirmation',
      order.buyerEmail,
      orderConfirmationEmail(order, withQr),
    );
  }

  private async sendOrderNotice(
    message: OutboxMessage,
    type: 'order.cancelled' | 'order.refunded',
  ): Promise<void> {
    const order = await this.findOrderOf(message);
    if (!order) return;
    if (type === 'order.cancelled') {
      await this.mailer.send('order-cancelled', order.buyerEmail, orderCancelledEmail(order));
    } else {
      await this.mailer.send('order-refunded', order.buyerEmail, orderRefundedEmail(order));
    }
  }

  private async findOrderOf(message: OutboxMessage) {
    const order = UUID.test(message.subjectId)
      ? await this.emails.findOrder(message.subjectId)
      : undefined;
    if (!order) this.logger.warn(`Order ${message.subjectId} of ${message.type} not found`);
    return order;
  }

  /** One job per holder, so each holder's send is retried on its own and never repeated to others. */
  private async fanOutEventCancelled(message: OutboxMessage): Promise<void> {
    const eventId = message.eventId ?? message.subjectId;
    if (!UUID.test(eventId)) return this.drop(EMAIL_JOBS.outbox, { messageId: message.id });
    const added = await this.emails.addEventCancelledJobs(message.id, eventId);
    this.logger.log(`Event ${eventId} cancelled: an email queued for each of ${added} holders`);
  }

  async sendEventCancelled(payload: unknown): Promise<void> {
    const keys = ['messageId', 'eventId', 'userId'] as const;
    const read = readPayload(payload, keys, keys);
    if (!read) return this.drop(EMAIL_JOBS.eventCancelled, payload);
    const found = await this.emails.findEventWithRecipient(read.eventId, read.userId);
    if (!found) {
      this.logger.warn(`Event ${read.eventId} or account ${read.userId} is gone; no email sent`);
      return;
    }
    await this.mailer.send(
      'event-cancelled',
      found.recipient.email,
      eventCancelledEmail(found.recipient.name, found.event),
    );
  }

  async sendPasswordReset(payload: unknown): Promise<void> {
    const read = readPayload(payload, ['userId', 'token'], ['userId']);
    // Never log this payload: it holds a live reset token.
    if (!read) return this.drop(EMAIL_JOBS.passwordReset, '(payload withheld)');
    const recipient = await this.emails.findPasswordResetRecipient(
      read.userId,
      hashPasswordResetToken(read.token),
    );
    if (!recipient) {
      // Used, expired (the send was retried past its 30 minutes) or the account is gone.
      this.logger.log(`Reset token of account ${read.userId} is no longer usable; no email sent`);
      return;
    }
    const content = passwordResetEmail({
      name: recipient.name,
      email: recipient.email,
      link: passwordResetLink(this.config.mail.passwordResetUrl, read.token),
      expiresAt: recipient.expiresAt,
    });
    await this.mailer.send('password-reset', recipient.email, content);
  }

  /** A job no retry can help; it ends here, said loudly, rather than failing ten times. */
  private drop(job: string, payload: unknown): void {
    this.logger.error(`${job} job with an unreadable payload dropped: ${JSON.stringify(payload)}`);
  }
}
