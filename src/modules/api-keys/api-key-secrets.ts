import { createHash, randomBytes } from 'node:crypto';
import { API_KEY_PREFIX } from '../../common/auth/api-key-scopes.js';

/** 256 random bits: a key is never guessed, so a plain SHA-256 (no salt, no stretching) is enough. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
