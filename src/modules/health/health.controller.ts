import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/access.decorators.js';
import { ProbeRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import { HealthService } from './health.service.js';

class DependencyStatusOutput {
  @ApiProperty({ enum: ['up', 'down', 'disabled'] }) status: 'up' | 'down' | 'disabled';
}
class HealthInfoOutput {
  @ApiProperty({ type: DependencyStatusOutput }) database: DependencyStatusOutput;
  @ApiProperty({
    type: DependencyStatusOutput,
    description: '`disabled` when no REDIS_URL is set.',
  })
  redis: DependencyStatusOutput;
}
export class HealthOutput {
  @ApiProperty({ enum: ['ok', 'error'] }) status: 'ok' | 'error';
  @ApiProperty({ type: HealthInfoOutput }) info: HealthInfoOutput;
}

@ApiTags('health')
@Controller('health')
@ProbeRateLimited()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({
    operationId: 'checkHealth',
    summary: 'Liveness and dependencies',
    description: '503 only when the database is unreachable; Redis down is reported but stays 200.',
  })
  @ApiOkResponse({ type: HealthOutput })
  @ApiServiceUnavailableResponse({
    description: 'The database is unreachable (same shape).',
    type: HealthOutput,
  })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthOutput> {
    const report = await this.health.check();
    if (report.status !== 'ok') void reply.status(503);
    return report;
  }
}
