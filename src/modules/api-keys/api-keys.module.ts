import { Module } from '@nestjs/common';
import { API_KEY_LOOKUP } from '../../common/auth/api-key-lookup.js';
import { EventsModule } from '../events/events.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { DeviceKeysController } from './device-keys.controller.js';

@Module({
  imports: [EventsModule],
  controllers: [ApiKeysController, DeviceKeysController],
  providers: [
    ApiKeysService,
    ApiKeysRepository,
    { provide: API_KEY_LOOKUP, useExisting: ApiKeysService },
  ],
  exports: [API_KEY_LOOKUP],
})
export class ApiKeysModule {}
