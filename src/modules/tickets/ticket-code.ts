import { randomBytes } from 'node:crypto';

/** 128 random bits from the CSPRNG, base64url: 22 characters nobody can guess or enumerate. */
export function newTicketCode(): string {
  return randomBytes(16).toString('base64url');
}
