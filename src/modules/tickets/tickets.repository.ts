import { Injectable } from '@nestjs/common';
import { pageWindow } from '../../common/http/pagination.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { TicketWithEventRecord } from './ticket.records.js';

const TICKET_WITH_EVENT = {
  code: true,
  ticketTypeId: true,
  eventId: true,
  orderId: true,
  userId: true,
  status: true,
  checkedInAt: true,
  event: {
    select: {
      id: true,
      organizerId: true,
      title: true,
      venue: true,
      startsAt: true,
      endsAt: true,
      cancelledAt: true,
    },
  },
} satisfies Prisma.TicketSelect;

@Injectable()
export class TicketsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async listForHolder(
    userId: string,
    page: number,
    limit: number,
  ): Promise<{ tickets: TicketWithEventRecord[]; total: number }> {
    const [tickets, total] = await Promise.all([
      this.prisma.ticket.findMany({
        where: { userId },
        select: TICKET_WITH_EVENT,
        orderBy: [{ createdAt: 'desc' }, { code: 'asc' }],
        ...pageWindow(page, limit),
      }),
      this.prisma.ticket.count({ where: { userId } }),
    ]);
    return { tickets, total };
  }

  findByCode(code: string): Promise<TicketWithEventRecord | null> {
    return this.prisma.ticket.findUnique({ where: { code }, select: TICKET_WITH_EVENT });
  }
}
