import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { EVENT_WITH_TYPES, TICKET_TYPE_FIELDS } from '../events/event.selects.js';
import type { EventRecord, TicketTypeRecord } from '../events/event.records.js';
import type { OrderWithBuyer } from '../orders/order.records.js';
import { orderViewSql, toOrderView, type OrderViewRow } from '../orders/order.view.js';
import type { TicketRecord } from '../tickets/ticket.records.js';

const ORDER_WITH_BUYER = `
  SELECT v.*, json_build_object('id', u.id, 'email', u.email, 'name', u.name) AS buyer
    FROM (${orderViewSql('o.id = $1::uuid')}) v JOIN users u ON u.id = v."userId"`;

const TICKET_FIELDS = {
  code: true,
  ticketTypeId: true,
  eventId: true,
  orderId: true,
  status: true,
  checkedInAt: true,
} as const;

export interface EntryRecord {
  id: string;
  scannedAt: Date;
  scannedById: string;
  ticket: TicketRecord | null;
}

/** Reads a message's subject the way the API's own views read it, for its payload. */
@Injectable()
export class PayloadsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async order(id: string): Promise<OrderWithBuyer | null> {
    const result = await this.prisma.pool.query<OrderViewRow & { buyer: OrderWithBuyer['buyer'] }>({
      name: 'eventflow_webhook_order',
      text: ORDER_WITH_BUYER,
      values: [id],
    });
    const row = result.rows[0];
    return row ? { ...toOrderView(row), buyer: row.buyer } : null;
  }

  ticket(code: string): Promise<TicketRecord | null> {
    return this.prisma.ticket.findUnique({ where: { code }, select: TICKET_FIELDS });
  }

  async entry(checkInId: string): Promise<EntryRecord | null> {
    const scan = await this.prisma.checkIn.findUnique({
      where: { id: checkInId },
      select: { id: true, code: true, scannedAt: true, scannedById: true },
    });
    if (!scan) return null;
    const ticket = await this.prisma.ticket.findUnique({
      where: { code: scan.code },
      select: TICKET_FIELDS,
    });
    return { id: scan.id, scannedAt: scan.scannedAt, scannedById: scan.scannedById, ticket };
  }

  event(id: string): Promise<EventRecord | null> {
    return this.prisma.event.findUnique({ where: { id }, select: EVENT_WITH_TYPES });
  }

  ticketType(id: string): Promise<TicketTypeRecord | null> {
    return this.prisma.ticketType.findUnique({ where: { id }, select: TICKET_TYPE_FIELDS });
  }
}
