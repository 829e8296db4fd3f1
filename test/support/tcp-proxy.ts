import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server, to make it unreachable in the ways networks fail:
 * `blackhole` keeps connections open but lets no byte through (a hung server, a dropped route);
 * `forward` restores it and delivers what was held, as TCP retransmission would once the route
 * is back (dropping it instead would leave a client's replies matched to the wrong commands).
 * `refuse` cuts it off (open connections dropped, new ones refused) and `accept` restores it.
 */
export class TcpProxy {
  private mode: 'forward' | 'blackhole' = 'forward';
  private readonly sockets = new Set<Socket>();
  private held: { to: Socket; chunk: Buffer }[] = [];
  private readonly server: Server;

  private constructor(targetHost: string, targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.on('data', (chunk: Buffer) => this.pass(upstream, chunk));
      upstream.on('data', (chunk: Buffer) => this.pass(client, chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.listeningPort = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  private listeningPort = 0;

  /** The port clients connect to; it stays the proxy's across `refuse` and `accept`. */
  get port(): number {
    return this.listeningPort;
  }

  /** False between `refuse` and `accept`. */
  get listening(): boolean {
    return this.server.listening;
  }

  blackhole(): void {
    this.mode = 'blackhole';
  }

  forward(): void {
    this.mode = 'forward';
    const held = this.held;
    this.held = [];
    for (const { to, chunk } of held) if (!to.destroyed) to.write(chunk);
  }

  private pass(to: Socket, chunk: Buffer): void {
    if (this.mode === 'forward') to.write(chunk);
    else this.held.push({ to, chunk });
  }

  /** Drops every connection and stops listening: new connections are refused, as by a stopped server. */
  async refuse(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port after `refuse`. */
  async accept(): Promise<void> {
    const port = this.listeningPort;
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
