import { Injectable } from '@nestjs/common';
import QRCode from 'qrcode';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors } from '../../common/errors/domain-error.js';
import { EventAccess } from '../events/event-access.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import type { TicketWithEventRecord } from './ticket.records.js';
import { TicketsErrors } from './tickets.errors.js';
import { TicketsRepository, type AttendeeChange } from './tickets.repository.js';

@Injectable()
export class TicketsService {
  constructor(
    private readonly tickets: TicketsRepository,
    private readonly access: EventAccess,
  ) {}

  async listOwn(
    caller: AuthUser,
    page: number,
    limit: number,
  ): Promise<{ tickets: TicketWithEventRecord[]; meta: PageMeta }> {
    const { tickets, total } = await this.tickets.listForHolder(caller.id, page, limit);
    return { tickets, meta: pageMeta(page, limit, total) };
  }

  /**
   * Its holder, or the event's organizer or team (any role sees attendees); anyone else gets the
   * same 404 as for a code that does not exist.
   */
  async get(caller: AuthUser, code: string): Promise<TicketWithEventRecord> {
    const ticket = await this.tickets.findByCode(code);
    if (
      !ticket ||
      (ticket.userId !== caller.id &&
        !(await this.access.allows(caller, ticket.event, 'see-attendees')))
    ) {
      throw CommonErrors.notFound('The ticket');
    }
    return ticket;
  }

  /** The buyer names who a ticket is for, until it is used; a void ticket is past changing. */
  async changeAttendee(
    caller: AuthUser,
    code: string,
    change: AttendeeChange,
  ): Promise<TicketWithEventRecord> {
    if (await this.tickets.changeAttendee(code, caller.id, change)) {
      return (await this.tickets.findByCode(code))!;
    }
    const ticket = await this.tickets.findByCode(code);
    if (!ticket || ticket.userId !== caller.id) throw CommonErrors.notFound('The ticket');
    if (ticket.status === 'VOID') throw TicketsErrors.void();
    throw TicketsErrors.alreadyCheckedIn(
      ticket.checkedInAt!,
      '; who it was for can no longer change',
    );
  }

  /** The holder's ticket as a QR code (SVG) of its code; the organizer scans, it does not print. */
  async qrSvg(caller: AuthUser, code: string): Promise<string> {
    const ticket = await this.tickets.findByCode(code);
    if (!ticket || ticket.userId !== caller.id) throw CommonErrors.notFound('The ticket');
    // Level M survives a scuffed phone screen; the 2-module margin is the quiet zone scanners need.
    return QRCode.toString(ticket.code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  }
}
