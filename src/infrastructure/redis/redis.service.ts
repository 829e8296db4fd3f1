import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';

/**
 * The shared Redis connection, or none when REDIS_URL is unset (callers then keep their state in
 * process memory). It never queues commands while disconnected and every command has a short
 * timeout, so an outage costs a request milliseconds, not a hang; it reconnects by itself.
 */
const STARTUP_WAIT_MS = 2_000;

@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis | undefined;
  readonly keyPrefix: string;
  /** REDIS_COMMAND_TIMEOUT_MS: also the longest a batched command may wait for its round trip. */
  readonly commandTimeoutMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keyPrefix = config.redisKeyPrefix;
    this.commandTimeoutMs = config.redisCommandTimeoutMs;
    if (!config.redisUrl) return;
    this.client = new Redis(config.redisUrl, {
      enableOfflineQueue: false,
      commandTimeout: config.redisCommandTimeoutMs,
      connectTimeout: Math.max(1_000, config.redisCommandTimeoutMs),
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // Commands issued in the same tick (the rate-limit counter and the cache read of many
      // concurrent requests) go out in one write: far fewer syscalls under load.
      enableAutoPipelining: true,
      lazyConnect: false,
    });
    let wasReady = false;
    this.client.on('ready', () => {
      if (wasReady) this.logger.log('Redis is back');
      wasReady = true;
    });
    this.client.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; one line per state change is enough.
      if (wasReady) this.logger.warn(`Redis unavailable: ${error.message}`);
      wasReady = false;
    });
  }

  /**
   * Gives the first connection a moment before the app serves, so its first requests share the
   * counters and cache with the other instances. Redis being down does not stop the start.
   */
  async onModuleInit(): Promise<void> {
    const client = this.client;
    if (!client || client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, STARTUP_WAIT_MS);
      client.once('ready', done);
    });
    if (!this.ready) this.logger.warn('Redis is not answering; starting without it for now');
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  get ready(): boolean {
    return this.client?.status === 'ready';
  }

  async ping(): Promise<boolean> {
    if (!this.client || this.client.status !== 'ready') return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch (error) {
      this.logger.debug(`Redis ping failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** Last of all at shutdown, like the database: whatever uses Redis stops first. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    if (this.client.status !== 'ready') {
      // Not connected: nothing to flush, and QUIT would wait for a connection that may never come.
      this.client.disconnect();
      this.logger.log('Redis connection closed');
      return;
    }
    try {
      await this.client.quit();
    } catch (error) {
      this.logger.debug(`Redis quit failed, disconnecting: ${(error as Error).message}`);
      this.client.disconnect();
    }
    this.logger.log('Redis connection closed');
  }
}
