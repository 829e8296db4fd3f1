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
  attendeeName: true,
  attendeeEmail: true,
  user: { select: { name: true, email: true } },
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

type TicketRow = Prisma.TicketGetPayload<{ select: typeof TICKET_WITH_EVENT }>;

function toRecord({
  user,
  attendeeName,
  attendeeEmail,
  ...ticket
}: TicketRow): TicketWithEventRecord {
  return {
    ...ticket,
    attendeeName: attendeeName ?? user.name,
    attendeeEmail: attendeeEmail ?? user.email,
  };
}

export type AttendeeChange = { name?: string | null; email?: string | null };

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
    return { tickets: tickets.map(toRecord), total };
  }

  async findByCode(code: string): Promise<TicketWithEventRecord | null> {
    const ticket = await this.prisma.ticket.findUnique({
      where: { code },
      select: TICKET_WITH_EVENT,
    });
    return ticket && toRecord(ticket);
  }

  /**
   * Renames a valid ticket of this buyer that was not used yet. The condition is in the update, so
   * a check-in at the same instant wins or loses cleanly. False when nothing matched.
   */
  async changeAttendee(code: string, userId: string, change: AttendeeChange): Promise<boolean> {
    const { count } = await this.prisma.ticket.updateMany({
      where: { code, userId, status: 'VALID', checkedInAt: null },
      data: {
        attendeeName: change.name,
        attendeeEmail: change.email?.toLowerCase() ?? change.email,
      },
    });
    return count > 0;
  }
}
