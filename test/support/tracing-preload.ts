// What src/infrastructure/tracing/register.ts does before dist/main.js in production, for a
// child instance run from the sources (CommonJS through ts-register.cjs, so no top-level await).
import { loadTracingConfig } from '../../src/config/load-config.js';
import { startTracing } from '../../src/infrastructure/tracing/start-tracing.js';

const tracing = loadTracingConfig(process.env);
if (tracing === undefined) throw new Error('tracing-preload needs OTEL_EXPORTER_OTLP_ENDPOINT');
startTracing(tracing);
