import { createHash, randomBytes } from 'node:crypto';

/** A refresh token is 256 random bits; only its SHA-256 is stored, so a database leak signs no one in. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
