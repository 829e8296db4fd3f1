import { Module } from '@nestjs/common';
import { EventAccess } from './event-access.js';
import { EventsController } from './events.controller.js';
import { EventsRepository } from './events.repository.js';
import { EventsService } from './events.service.js';
import { TicketTypesController } from './ticket-types.controller.js';
import { TicketTypesRepository } from './ticket-types.repository.js';
import { TicketTypesService } from './ticket-types.service.js';

@Module({
  controllers: [EventsController, TicketTypesController],
  providers: [
    EventsService,
    EventsRepository,
    EventAccess,
    TicketTypesService,
    TicketTypesRepository,
  ],
  exports: [EventAccess, EventsRepository],
})
export class EventsModule {}
