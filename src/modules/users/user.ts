import type { Role } from '../../common/auth/auth-user.js';

/** A user as the services see it. The password hash never leaves the users repository except to verify a sign-in. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export interface UserWithPasswordHash extends User {
  passwordHash: string;
}

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
