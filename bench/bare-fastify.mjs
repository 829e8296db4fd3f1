// The listing baseline: a bare Fastify server answering GET /api/events with the bytes the API
// answered, read from BENCH_BODY_FILE. Started as its own process, like the API.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.BENCH_BODY_FILE);
const contentType = process.env.BENCH_CONTENT_TYPE ?? 'application/json';
const app = Fastify();
app.get('/api/events', (_request, reply) => {
  void reply.header('content-type', contentType).send(body);
});
app.get('/health', (_request, reply) => {
  void reply.send({ status: 'ok' });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
