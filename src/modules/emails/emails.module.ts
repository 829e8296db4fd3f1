import { Module } from '@nestjs/common';
import { EmailsRepository } from './emails.repository.js';
import { EmailsService } from './emails.service.js';
import { Mailer } from './mailer.js';

/** Sends the emails of EMAIL_TRIGGER_TYPES and password resets, from queued jobs (no routes). */
@Module({ providers: [EmailsService, EmailsRepository, Mailer] })
export class EmailsModule {}
