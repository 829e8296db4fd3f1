import type { ApiKeyScope } from '../../common/auth/api-key-scopes.js';

export interface ApiKeyRecord {
  id: string;
  userId: string;
  eventId: string | null;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** A key just made: the only time its text exists outside the client. */
export interface IssuedApiKey extends ApiKeyRecord {
  key: string;
}
