import type { ApiKeyScope } from './api-key-scopes.js';
import type { Role } from './auth-user.js';

/** A key that is valid now (not revoked, not expired), and its owner as the database holds it. */
export interface ApiKeyIdentity {
  keyId: string;
  userId: string;
  role: Role;
  scopes: readonly ApiKeyScope[];
  /** A device key's one event; null for an account's API key. */
  eventId: string | null;
}

/**
 * How the access guard reads an API key; the api-keys module provides it, so this folder needs
 * nothing of that module.
 */
export interface ApiKeyLookup {
  /** Undefined when no valid key has this text. Records the key's use. */
  identify(key: string): Promise<ApiKeyIdentity | undefined>;
}

export const API_KEY_LOOKUP = Symbol('API_KEY_LOOKUP');
