import { Injectable } from '@nestjs/common';
import { normalizeEmail } from '../users/user.js';
import { AuthErrors } from './auth.errors.js';
import { PasswordHasher } from './password-hasher.js';
import {
  PASSWORD_RESET_VALID_MINUTES,
  hashPasswordResetToken,
  newPasswordResetToken,
} from './password-reset-token.js';
import { PasswordResetRepository } from './password-reset.repository.js';

@Injectable()
export class PasswordResetService {
  constructor(
    private readonly resets: PasswordResetRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  /**
   * The same work whether the email is known or not (a token is made and one statement runs), and
   * the email itself is sent later by a job: neither the answer nor its time tells who has an
   * account.
   */
  async request(email: string): Promise<void> {
    await this.resets.request(
      normalizeEmail(email),
      newPasswordResetToken(),
      PASSWORD_RESET_VALID_MINUTES,
    );
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
