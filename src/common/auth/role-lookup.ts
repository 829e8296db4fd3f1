import type { Role } from './auth-user.js';

/**
 * An account's role as the database holds it now. The access guard asks it on admin routes, where
 * the role signed into a token may be out of date; the users module provides it, so this folder
 * needs nothing of that module.
 */
export interface RoleLookup {
  /** Undefined when the account no longer exists. */
  currentRole(userId: string): Promise<Role | undefined>;
}

export const ROLE_LOOKUP = Symbol('ROLE_LOOKUP');
