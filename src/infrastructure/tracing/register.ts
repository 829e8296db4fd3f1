/**
 * The tracing preload: `node --import ./dist/infrastructure/tracing/register.js dist/main.js`.
 * Instrumentation must be in place before the app's modules load, and main.js imports them all
 * statically, so this runs first, as its own entry point (hence its own read of the environment
 * and `.env`, like main.ts). Without OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT nothing of OpenTelemetry
 * is loaded: the SDK is imported only when tracing is on.
 */
import { existsSync } from 'node:fs';
import { loadTracingConfig } from '../../config/load-config.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const tracing = loadTracingConfig(process.env);
if (tracing !== undefined) {
  const { startTracing } = await import('./start-tracing.js');
  startTracing(tracing);
}
