import { Module } from '@nestjs/common';
import { OutboxDispatcher } from './outbox-dispatcher.js';
import { OutboxRepository } from './outbox.repository.js';

@Module({ providers: [OutboxRepository, OutboxDispatcher], exports: [OutboxRepository] })
export class OutboxModule {}
