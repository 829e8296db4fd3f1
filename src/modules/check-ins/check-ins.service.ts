import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors } from '../../common/errors/domain-error.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import { EventAccess } from '../events/event-access.js';
import type { TicketRecord } from '../tickets/ticket.records.js';
import { TicketsErrors } from '../tickets/tickets.errors.js';
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
    if (result === 'VOID') throw TicketsErrors.void();
    if (result === 'ALREADY_CHECKED_IN') throw TicketsErrors.alreadyCheckedIn(checkedInAt!);
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
