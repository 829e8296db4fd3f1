import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors, DomainError } from '../../common/errors/domain-error.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import { EventAccess } from '../events/event-access.js';
import type { TicketRecord } from '../tickets/ticket.records.js';
import type { ScanRecord } from './check-in.records.js';
import { CheckInsRepository } from './check-ins.repository.js';

@Injectable()
export class CheckInsService {
  constructor(
    private readonly access: EventAccess,
    private readonly checkIns: CheckInsRepository,
  ) {}

  /**
   * Admits a ticket once. Every scan is logged, refused ones too. The database decides a race
   * between two scanners (a conditional update), never a read before the write.
   */
  async checkIn(
    caller: AuthUser,
    eventId: string,
    code: string,
  ): Promise<{ ticket: TicketRecord; checkedInAt: Date }> {
    await this.access.require(caller, eventId, 'check-in');
    const { result, ticket } = await this.checkIns.scan(eventId, code, caller.id);
    if (result === 'UNKNOWN' || !ticket)
      throw CommonErrors.notFound('A ticket with this code for this event');
    const checkedInAt = ticket.checkedInAt ? new Date(ticket.checkedInAt) : null;
    if (result === 'VOID') {
      throw new DomainError(
        409,
        'ticket-void',
        'Conflict',
        'This ticket is void (its order was cancelled or refunded).',
      );
    }
    if (result === 'ALREADY_CHECKED_IN') {
      throw new DomainError(
        409,
        'already-checked-in',
        'Conflict',
        `This ticket was already used at ${checkedInAt?.toISOString()}.`,
        {
          checkedInAt: checkedInAt?.toISOString(),
        },
      );
    }
    return { ticket: { ...ticket, checkedInAt }, checkedInAt: checkedInAt! };
  }

  async list(
    caller: AuthUser,
    eventId: string,
    page: number,
    limit: number,
  ): Promise<{ scans: ScanRecord[]; meta: PageMeta }> {
    await this.access.require(caller, eventId, 'see-scans');
    const { scans, total } = await this.checkIns.list(eventId, page, limit);
    return { scans, meta: pageMeta(page, limit, total) };
  }
}
