import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors } from '../../common/errors/domain-error.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import {
  ReplayInput,
  WebhookEndpointChangesInput,
  WebhookEndpointInput,
} from './dto/webhook.input.js';
import {
  ReplayOutput,
  TestSendOutput,
  WebhookDeliveryListOutput,
  WebhookDeliveryOutput,
  WebhookEndpointListOutput,
  WebhookEndpointOutput,
  WebhookEndpointWithSecretOutput,
} from './dto/webhook.output.js';
import { DeliveriesQuery, MESSAGE_ID_PATTERN } from './dto/webhook.query.js';
import { WebhooksService } from './webhooks.service.js';

const messageIdParam: PipeTransform<string, string> = {
  transform: (value: string) => {
    if (!MESSAGE_ID_PATTERN.test(value)) {
      throw CommonErrors.validation([
        { field: 'messageId', message: 'must be a message id: msg_ and a UUID' },
      ]);
    }
    return value;
  },
};

/**
 * An organizer's webhook endpoints. Managed with a sign-in token only (no API-key scope): the
 * answers carry signing secrets.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @AdminOnly()
  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Add an endpoint for the caller’s events; its signing secret is shown once',
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretOutput })
  @ApiBadRequest()
  @ApiProblem(409, 'The organizer already has 20 endpoints.', ['too-many-webhooks'])
  @ApiProblem(422, 'The URL is not allowed (private address, credentials, ...).', [
    'webhook-url-not-allowed',
  ])
  async create(
    @CurrentUser() caller: AuthUser,
    @Body() input: WebhookEndpointInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookEndpointWithSecretOutput> {
    const { endpoint, secret } = await this.webhooks.create(caller, input);
    void reply
      .header('location', `/api/webhooks/${endpoint.id}`)
      .header('cache-control', 'no-store');
    return WebhookEndpointWithSecretOutput.withSecret(endpoint, secret);
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: 'The caller’s endpoints' })
  @ApiOkResponse({ type: WebhookEndpointListOutput })
  async list(@CurrentUser() caller: AuthUser): Promise<WebhookEndpointListOutput> {
    return { data: (await this.webhooks.list(caller)).map((e) => WebhookEndpointOutput.from(e)) };
  }

  @Get(':id')
  @AdminOnly()
  @ApiOperation({
    operationId: 'getWebhookEndpoint',
    summary: 'One endpoint, with why it is disabled',
  })
  @ApiOkResponse({ type: WebhookEndpointOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  async get(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<WebhookEndpointOutput> {
    return WebhookEndpointOutput.from(await this.webhooks.get(caller, id));
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOperation({
    operationId: 'updateWebhookEndpoint',
    summary: 'Change the URL, types or description; disable, or enable again',
  })
  @ApiOkResponse({ type: WebhookEndpointOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  @ApiProblem(422, 'The URL is not allowed.', ['webhook-url-not-allowed'])
  async update(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Body() input: WebhookEndpointChangesInput,
  ): Promise<WebhookEndpointOutput> {
    return WebhookEndpointOutput.from(await this.webhooks.update(caller, id, input));
  }

  @Delete(':id')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete an endpoint: queued deliveries to it are dropped, its log with it',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<void> {
    await this.webhooks.remove(caller, id);
  }

  @Post(':id/rotate-secret')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary: 'A new signing secret (shown once); the old one also signs for 24 hours',
  })
  @ApiOkResponse({ type: WebhookEndpointWithSecretOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  async rotate(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookEndpointWithSecretOutput> {
    const { endpoint, secret } = await this.webhooks.rotateSecret(caller, id);
    void reply.header('cache-control', 'no-store');
    return WebhookEndpointWithSecretOutput.withSecret(endpoint, secret);
  }

  @Get(':id/deliveries')
  @AdminOnly()
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: 'The endpoint’s delivery log, newest first (kept 30 days)',
  })
  @ApiOkResponse({ type: WebhookDeliveryListOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  async deliveries(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Query() query: DeliveriesQuery,
  ): Promise<WebhookDeliveryListOutput> {
    const { deliveries, meta } = await this.webhooks.deliveries(
      caller,
      id,
      { messageId: query.messageId, status: query.status },
      query.page,
      query.limit,
    );
    return { data: deliveries.map((d) => WebhookDeliveryOutput.from(d)), meta };
  }

  @Post(':id/replay')
  @AdminOnly()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'replayWebhookMessages',
    summary: 'Send again every message since a time (same webhook-id as before)',
  })
  @ApiAcceptedResponse({ type: ReplayOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  @ApiProblem(409, 'The endpoint is disabled.', ['webhook-disabled'])
  async replay(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Body() input: ReplayInput,
  ): Promise<ReplayOutput> {
    return { queued: await this.webhooks.replaySince(caller, id, new Date(input.since)) };
  }

  @Post(':id/messages/:messageId/replay')
  @AdminOnly()
  @HttpCode(202)
  @ApiOperation({ operationId: 'replayWebhookMessage', summary: 'Send one message again' })
  @ApiParam({ name: 'messageId', example: 'msg_6f1c8c0e-4a57-4c7b-9f3e-2f1f1e1e1e1e' })
  @ApiAcceptedResponse({ type: ReplayOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint or the message')
  @ApiProblem(409, 'The endpoint is disabled.', ['webhook-disabled'])
  async replayOne(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Param('messageId', messageIdParam) messageId: string,
  ): Promise<ReplayOutput> {
    return { queued: await this.webhooks.replayMessage(caller, id, messageId) };
  }

  @Post(':id/test')
  @AdminOnly()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'sendTestWebhook',
    summary: 'Queue a signed webhook.test message to this endpoint alone',
  })
  @ApiAcceptedResponse({ type: TestSendOutput })
  @ApiBadRequest()
  @ApiNotFound('The endpoint')
  @ApiProblem(409, 'The endpoint is disabled.', ['webhook-disabled'])
  async test(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<TestSendOutput> {
    return { messageId: await this.webhooks.sendTest(caller, id) };
  }
}
