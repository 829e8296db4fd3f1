import { Injectable } from '@nestjs/common';
import { EventOutput, TicketTypeOutput } from '../events/dto/event.output.js';
import { EventOrderOutput } from '../orders/dto/order.output.js';
import { TicketOutput } from '../tickets/dto/ticket.output.js';
import { subjectKindOf } from '../outbox/message-types.js';
import type { OutboxMessage } from '../outbox/outbox.repository.js';
import { PayloadsRepository } from './payloads.repository.js';

/**
 * A message's `data`: its subject as the API shows it to the event's organizer (an order as in
 * GET /api/events/{id}/orders, an event as in GET /api/events/{id}, ...). Made when the message
 * is first sent and then frozen, so it is the state of that moment, normally within a second of
 * the change; null when the subject is gone.
 */
@Injectable()
export class PayloadRenderer {
  constructor(private readonly payloads: PayloadsRepository) {}

  async render(message: Pick<OutboxMessage, 'type' | 'subjectId'>): Promise<unknown> {
    const id = message.subjectId;
    switch (subjectKindOf(message.type)) {
      case 'order': {
        const order = await this.payloads.order(id);
        return order && EventOrderOutput.withBuyer(order);
      }
      case 'ticket': {
        const ticket = await this.payloads.ticket(id);
        return ticket && TicketOutput.from(ticket);
      }
      case 'check_in': {
        const entry = await this.payloads.entry(id);
        if (!entry?.ticket) return null;
        return {
          ticket: TicketOutput.from(entry.ticket),
          scan: {
            id: entry.id,
            scannedAt: entry.scannedAt.toISOString(),
            scannedById: entry.scannedById,
          },
        };
      }
      case 'event': {
        const event = await this.payloads.event(id);
        return event && EventOutput.from(event);
      }
      case 'ticket_type': {
        const type = await this.payloads.ticketType(id);
        return type && TicketTypeOutput.from(type);
      }
      case 'endpoint':
        return { endpointId: id, message: 'A test message sent on request.' };
    }
  }
}
