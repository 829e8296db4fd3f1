import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_REDIS_URL } from './environment.js';
import { freePort } from '../../src/infrastructure/database/embedded-postgres.js';
import { TEST_JWT_SECRET } from './test-app.js';

const ROOT = join(__dirname, '..', '..');

/**
 * Another instance of the deployment in a real process of its own (test/support/serve.ts), on the
 * same database and Redis, for tests that kill it with a real signal.
 */
export class ChildInstance {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** Every line the instance wrote to stdout (its log, unless LOG_LEVEL silences it). */
    readonly lines: string[],
  ) {}

  /** `preload`: a module required before the app's, as `node --import` does in production. */
  static async start(
    databaseUrl: string,
    env: Record<string, string> = {},
    { preload }: { preload?: string } = {},
  ): Promise<ChildInstance> {
    const port = await freePort();
    const lines: string[] = [];
    const child = spawn(
      process.execPath,
      [
        '-r',
        './scripts/ts-register.cjs',
        ...(preload === undefined ? [] : ['-r', preload]),
        '-e',
        "require('./test/support/serve.ts')",
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          PORT: String(port),
          DATABASE_URL: databaseUrl,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: `eventflow-test:child-${port}:`,
          JWT_SECRET: TEST_JWT_SECRET,
          ORDER_SWEEP_INTERVAL_MS: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the instance did not start')), 30_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (line === `listening ${port}`) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return new ChildInstance(child, `http://127.0.0.1:${port}`, lines);
  }

  /** SIGTERM: the graceful shutdown of src/shutdown.ts; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    return exited;
  }

  /** SIGKILL: no shutdown hook runs, nothing in flight is finished or released. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
