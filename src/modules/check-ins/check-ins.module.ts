import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { CheckInsController } from './check-ins.controller.js';
import { CheckInsRepository } from './check-ins.repository.js';
import { CheckInsService } from './check-ins.service.js';

@Module({
  imports: [EventsModule],
  controllers: [CheckInsController],
  providers: [CheckInsService, CheckInsRepository],
})
export class CheckInsModule {}
