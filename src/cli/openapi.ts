import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../app.js';
import { buildOpenApiDocument } from '../common/http/openapi-document.js';
import { loadConfig } from '../config/load-config.js';

/** The document as committed in openapi.json: stable text, so a diff shows only real changes. */
export function renderOpenApi(app: INestApplication): string {
  const document: OpenAPIObject = buildOpenApiDocument(app);
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * `npm run openapi`: writes openapi.json from the code. Nothing connects to a database or Redis:
 * the application is only built to read its routes and schemas.
 */
async function main(): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgresql://openapi@127.0.0.1:1/not-connected',
    JWT_SECRET: 'only-used-to-build-the-openapi-document',
    ORDER_SWEEP_INTERVAL_MS: '0',
    // The job worker would connect to the database at bootstrap; the document needs no jobs run.
    JOB_WORKER_ENABLED: 'false',
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config);
  try {
    const target = resolve(process.cwd(), 'openapi.json');
    writeFileSync(target, renderOpenApi(app));
    process.stdout.write(`Wrote ${target}\n`);
  } finally {
    await app.close();
  }
}

if (process.argv.includes('--write')) void main();
