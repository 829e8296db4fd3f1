import { Controller, Get, Res } from '@nestjs/common';
import { ApiExtension, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsTokenOnly } from '../../common/auth/access.decorators.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { ProbeRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';

/**
 * Served at /metrics (outside /api), for Prometheus. The counts are business data (sales), so
 * production serves it only behind METRICS_TOKEN or on METRICS_PORT (see loadConfig); this
 * controller is on the API's port only when the configuration puts it there.
 */
@ApiTags('operations')
@Controller('metrics')
@ProbeRateLimited()
// Reads process memory only: no database behind it.
@ApiExtension('x-uses-database', false)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @MetricsTokenOnly()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics of this instance',
    description: [
      'With METRICS_TOKEN set, a scrape sends `Authorization: Bearer <METRICS_TOKEN>`; neither a',
      'sign-in token nor an API key is accepted. With METRICS_PORT set, it is served only on that',
      'port (the token still required if set). In production with neither, it is not served.',
      'Outside production with neither, it is open.',
    ].join(' '),
  })
  @ApiProblem(
    404,
    'Not served on this port: on METRICS_PORT instead, or closed (production without METRICS_TOKEN or METRICS_PORT).',
    ['not-found'],
  )
  @ApiOkResponse({
    description: 'Prometheus text exposition format.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.render();
  }
}
