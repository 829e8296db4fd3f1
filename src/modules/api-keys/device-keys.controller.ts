import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { ApiKeysService } from './api-keys.service.js';
import { DeviceKeyInput } from './dto/api-key.input.js';
import { ApiKeyListOutput, ApiKeyOutput, IssuedApiKeyOutput } from './dto/api-key.output.js';

const WHO = 'the organizer or a MANAGER';

/** Keys for a phone at the door with no account: check-in (and its scan log) of one event. */
@ApiTags('check-in')
@Controller('events/:id/device-keys')
export class DeviceKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @EventTeamOnly(WHO)
  @ApiOperation({
    operationId: 'createDeviceKey',
    summary: 'Make a scanner key for this event’s door (shown once)',
    description:
      'The key carries checkins:read and checkins:write for this event only, and acts as the ' +
      'account that made it: it stops working if that account leaves the team.',
  })
  @ApiCreatedResponse({ type: IssuedApiKeyOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  @ApiProblem(409, 'The event is cancelled.', ['event-cancelled'])
  async create(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Body() input: DeviceKeyInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedApiKeyOutput> {
    const key = await this.keys.createDeviceKey(caller, eventId, {
      name: input.name,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    void reply
      .header('location', `/api/events/${eventId}/device-keys`)
      .header('cache-control', 'no-store');
    return IssuedApiKeyOutput.issued(key);
  }

  @Get()
  @EventTeamOnly(WHO)
  @ApiOperation({ operationId: 'listDeviceKeys', summary: 'The event’s scanner keys' })
  @ApiOkResponse({ type: ApiKeyListOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async list(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
  ): Promise<ApiKeyListOutput> {
    const keys = await this.keys.listDeviceKeys(caller, eventId);
    return { data: keys.map((key) => ApiKeyOutput.from(key)) };
  }

  @Delete(':keyId')
  @EventTeamOnly(WHO)
  @HttpCode(204)
  @ApiOperation({
    operationId: 'revokeDeviceKey',
    summary: 'Revoke a scanner key: refused from its very next scan',
  })
  @ApiNoContentResponse({ description: 'Revoked (or already was).' })
  @ApiBadRequest()
  @ApiNotFound('The event, or this key of it')
  async revoke(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('keyId', uuidParam('keyId')) keyId: string,
  ): Promise<void> {
    await this.keys.revokeDeviceKey(caller, eventId, keyId);
  }
}
