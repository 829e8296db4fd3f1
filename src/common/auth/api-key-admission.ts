import { CommonErrors, DomainError } from '../errors/domain-error.js';
import type { AccessRule } from './access.decorators.js';
import type { ApiKeyIdentity } from './api-key-lookup.js';
import { API_KEY_PREFIX, type ApiKeyScope } from './api-key-scopes.js';
import type { AuthUser } from './auth-user.js';

/** The bearer credential, if it is an API key rather than a sign-in token. */
export function apiKeyOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
  return match?.[1].startsWith(API_KEY_PREFIX) ? match[1] : undefined;
}

/**
 * Who an API key lets in on a route, or why not. A key needs the scope the route names (a route
 * that names none refuses keys), and then acts as its owner with the role the owner has now: it
 * never has more rights than its account. A key that is unknown, revoked or expired is a 401
 * everywhere, public routes included, so an integration learns at once that it was cut off; on a
 * public route a valid key without the route's scope means an anonymous caller.
 */
export function admitApiKey(
  identity: ApiKeyIdentity | undefined,
  rule: AccessRule,
  scope: ApiKeyScope | undefined,
): AuthUser | undefined {
  if (!identity) throw CommonErrors.unauthorized('The API key is unknown, revoked or expired.');
  const usable = scope !== undefined && identity.scopes.includes(scope);
  if (rule === 'public') return usable ? asCaller(identity) : undefined;
  if (scope === undefined) {
    throw new DomainError(
      403,
      'api-key-not-allowed',
      'Forbidden',
      'API keys cannot be used on this route; use a token from sign-in.',
    );
  }
  if (!usable) {
    throw new DomainError(
      403,
      'api-key-scope-missing',
      'Forbidden',
      `This API key lacks the scope ${scope}.`,
      { requiredScope: scope },
    );
  }
  if (rule === 'admin' && identity.role !== 'ADMIN') {
    throw CommonErrors.forbidden('Only organizers (role ADMIN) may use this route.');
  }
  return asCaller(identity);
}

function asCaller(identity: ApiKeyIdentity): AuthUser {
  return {
    id: identity.userId,
    role: identity.role,
    key: { id: identity.keyId, scopes: identity.scopes, eventId: identity.eventId },
  };
}
