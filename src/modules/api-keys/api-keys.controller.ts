import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { SignedIn } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyInput } from './dto/api-key.input.js';
import { ApiKeyListOutput, ApiKeyOutput, IssuedApiKeyOutput } from './dto/api-key.output.js';

/** Keys are managed with a sign-in token only: no @KeyScope, so a key can never make a key. */
@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @SignedIn()
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Make an API key that acts as the caller within its scopes (shown once)',
  })
  @ApiCreatedResponse({ type: IssuedApiKeyOutput })
  @ApiBadRequest()
  async create(
    @CurrentUser() caller: AuthUser,
    @Body() input: ApiKeyInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedApiKeyOutput> {
    const key = await this.keys.createForAccount(caller, {
      name: input.name,
      scopes: input.scopes,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    void reply.header('location', '/api/api-keys').header('cache-control', 'no-store');
    return IssuedApiKeyOutput.issued(key);
  }

  @Get()
  @SignedIn()
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'The caller’s API keys, without their text',
  })
  @ApiOkResponse({ type: ApiKeyListOutput })
  async list(@CurrentUser() caller: AuthUser): Promise<ApiKeyListOutput> {
    return { data: (await this.keys.listForAccount(caller)).map((key) => ApiKeyOutput.from(key)) };
  }

  @Delete(':keyId')
  @SignedIn()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke one of the caller’s keys: refused from its very next request',
  })
  @ApiNoContentResponse({ description: 'Revoked (or already was).' })
  @ApiBadRequest()
  @ApiNotFound('The key')
  async revoke(
    @CurrentUser() caller: AuthUser,
    @Param('keyId', uuidParam('keyId')) keyId: string,
  ): Promise<void> {
    await this.keys.revokeForAccount(caller, keyId);
  }
}
