import { Injectable } from '@nestjs/common';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { TicketTypeFields, TicketTypeRecord } from './event.records.js';
import { TICKET_TYPE_FIELDS } from './event.selects.js';

export type TicketTypeChange =
  | { kind: 'updated'; ticketType: TicketTypeRecord }
  | { kind: 'not-found' }
  /** The new capacity is below what is already held and sold. */
  | { kind: 'capacity-below-committed'; committed: number };

@Injectable()
export class TicketTypesRepository {
  constructor(private readonly prisma: PrismaService) {}

  findInEvent(eventId: string, id: string): Promise<TicketTypeRecord | null> {
    return this.prisma.ticketType.findFirst({ where: { id, eventId }, select: TICKET_TYPE_FIELDS });
  }

  create(eventId: string, fields: TicketTypeFields): Promise<TicketTypeRecord> {
    return this.prisma.ticketType.create({
      data: { ...fields, eventId, available: fields.capacity },
      select: TICKET_TYPE_FIELDS,
    });
  }

  /**
   * A capacity change moves `available` by the same amount in one conditional statement, so a
   * purchase committing at the same moment can never be lost or oversold: the row lock orders the
   * two, and the condition (and the CHECK behind it) refuses a capacity below held + sold.
   */
  async update(
    eventId: string,
    id: string,
    fields: Partial<TicketTypeFields>,
  ): Promise<TicketTypeChange> {
    const { capacity, ...rest } = fields;
    return this.prisma.$transaction(async (tx) => {
      if (capacity !== undefined) {
        const moved = await tx.$executeRaw`
          UPDATE ticket_types
             SET available = available + (${capacity}::int - capacity), capacity = ${capacity}::int, updated_at = now()
           WHERE id = ${id}::uuid AND event_id = ${eventId}::uuid AND available + (${capacity}::int - capacity) >= 0`;
        if (moved === 0) {
          const current = await tx.ticketType.findFirst({
            where: { id, eventId },
            select: { capacity: true, available: true },
          });
          return current
            ? { kind: 'capacity-below-committed', committed: current.capacity - current.available }
            : { kind: 'not-found' };
        }
      }
      const updated = await tx.ticketType.updateManyAndReturn({
        where: { id, eventId },
        data: rest,
        select: TICKET_TYPE_FIELDS,
      });
      return updated[0] ? { kind: 'updated', ticketType: updated[0] } : { kind: 'not-found' };
    });
  }

  /** Only a ticket type no order ever named; the foreign key from order items decides a race. */
  async deleteIfUnsold(
    eventId: string,
    id: string,
  ): Promise<'deleted' | 'not-found' | 'has-orders'> {
    try {
      const { count } = await this.prisma.ticketType.deleteMany({
        where: { id, eventId, orderItems: { none: {} } },
      });
      if (count === 1) return 'deleted';
    } catch (error) {
      const { sqlState, prismaCode } = describeDatabaseError(error);
      if (sqlState === '23503' || prismaCode === 'P2003') return 'has-orders';
      throw error;
    }
    return (await this.findInEvent(eventId, id)) ? 'has-orders' : 'not-found';
  }
}
