import { Injectable } from '@nestjs/common';
import { JobQueue } from '../../infrastructure/jobs/job-queue.js';
import { normalizeEmail } from '../users/user.js';
import { AuthErrors } from './auth.errors.js';
import { PasswordHasher } from './password-hasher.js';
import {
  PASSWORD_RESET_VALID_MINUTES,
  hashPasswordResetToken,
  newPasswordResetToken,
} from './password-reset-token.js';
import { PasswordResetRepository } from './password-reset.repository.js';

const PASSWORD_RESET_REQUEST_JOB = 'auth:password-reset-request';

@Injectable()
export class PasswordResetService {
  constructor(
    jobs: JobQueue,
    private readonly resets: PasswordResetRepository,
    private readonly passwords: PasswordHasher,
  ) {
    jobs.define(PASSWORD_RESET_REQUEST_JOB, (payload) => this.createToken(payload));
  }

  /**
   * Only queues the request: the answer does exactly the same work (one job added, one durable
   * commit) whether the email has an account or not, so neither it nor its time tells who does.
   * The job looks the account up, makes the token and queues its email.
   */
  async request(email: string): Promise<void> {
    await this.resets.queueRequest(PASSWORD_RESET_REQUEST_JOB, normalizeEmail(email));
  }

  private async createToken(payload: unknown): Promise<void> {
    const email = (payload as { email?: unknown } | null)?.email;
    if (typeof email !== 'string') return;
    await this.resets.request(email, newPasswordResetToken(), PASSWORD_RESET_VALID_MINUTES);
  }

  async check(token: string): Promise<{ expiresAt: Date }> {
    const expiresAt = await this.resets.usableUntil(hashPasswordResetToken(token));
    if (!expiresAt) throw AuthErrors.resetTokenInvalid();
    return { expiresAt };
  }

  /** Hashed first, outside the transaction: argon2 takes tens of milliseconds of one core. */
  async confirm(token: string, password: string): Promise<void> {
    const passwordHash = await this.passwords.hash(password);
    if (!(await this.resets.resetPassword(hashPasswordResetToken(token), passwordHash))) {
      throw AuthErrors.resetTokenInvalid();
    }
  }
}
