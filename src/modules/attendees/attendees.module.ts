import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { AttendeesController } from './attendees.controller.js';
import { AttendeesRepository } from './attendees.repository.js';
import { AttendeesService } from './attendees.service.js';

@Module({
  imports: [EventsModule],
  controllers: [AttendeesController],
  providers: [AttendeesService, AttendeesRepository],
})
export class AttendeesModule {}
