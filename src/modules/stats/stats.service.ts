import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { EventAccess } from '../events/event-access.js';
import type { EventStatsOutput, FiguresOutput } from './dto/event-stats.output.js';
import { StatsRepository } from './stats.repository.js';

const FIGURES = ['capacity', 'available', 'held', 'sold', 'checkedIn', 'revenueCents'] as const;

@Injectable()
export class StatsService {
  constructor(
    private readonly access: EventAccess,
    private readonly stats: StatsRepository,
  ) {}

  /** The organizer's sales figures, per ticket type and in total, from one database snapshot. */
  async forEvent(caller: AuthUser, eventId: string): Promise<EventStatsOutput> {
    const event = await this.access.require(caller, eventId, 'see-stats');
    const { ticketTypes, refunds } = await this.stats.figures(eventId);
    const total = Object.fromEntries(
      FIGURES.map((figure) => [figure, ticketTypes.reduce((sum, row) => sum + row[figure], 0)]),
    ) as unknown as FiguresOutput;
    return { eventId, currency: event.currency, ticketTypes, total, ...refunds };
  }
}
