import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { PaymentsModule } from '../payments/payments.module.js';
import { EventCancellationController } from './event-cancellation.controller.js';
import { EventCancellationService } from './event-cancellation.service.js';
import { EventOrdersController } from './event-orders.controller.js';
import { EventOrdersService } from './event-orders.service.js';
import { IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { HoldBatcher } from './hold-batcher.js';
import { OrderSweeper } from './order-sweeper.js';
import { OrdersController } from './orders.controller.js';
import { OrdersRepository } from './orders.repository.js';
import { OrdersService } from './orders.service.js';

@Module({
  imports: [EventsModule, PaymentsModule],
  controllers: [OrdersController, EventCancellationController, EventOrdersController],
  providers: [
    OrdersService,
    OrdersRepository,
    IdempotencyService,
    IdempotencyRepository,
    EventCancellationService,
    EventOrdersService,
    OrderSweeper,
    HoldBatcher,
  ],
})
export class OrdersModule {}
