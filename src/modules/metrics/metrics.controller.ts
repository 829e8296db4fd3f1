import { Controller, Get, Res } from '@nestjs/common';
import { ApiExtension, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/access.decorators.js';
import { ProbeRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';

/** Served at /metrics (outside /api), for Prometheus. Restrict it at the network edge in production. */
@ApiTags('operations')
@Controller('metrics')
@ProbeRateLimited()
// Reads process memory only: no database behind it.
@ApiExtension('x-uses-database', false)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics of this instance' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.render();
  }
}
