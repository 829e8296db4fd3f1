import { createServer } from 'node:net';

/**
 * A port the operating system just handed out and that nothing listens on. A random pick from a
 * range can land on the local port of one of the machine's own outgoing connections (the
 * ephemeral range overlaps it), and the child's listen then fails with EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
