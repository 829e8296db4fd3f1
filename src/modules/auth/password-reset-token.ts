import { createHash, randomBytes } from 'node:crypto';

/** How long a reset link works after it was asked for. */
export const PASSWORD_RESET_VALID_MINUTES = 30;

/**
 * 256 random bits, base64url (safe in a URL as it is). Only the SHA-256 is stored: a copy of the
 * database resets no one's password; the raw token exists only in the email and its queued job.
 */
export function newPasswordResetToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashPasswordResetToken(token) };
}

export function hashPasswordResetToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
