import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyScope } from './api-key-scopes.js';

export type Role = 'USER' | 'ADMIN';

/** The caller as the access token describes it; set on the request by the access guard. */
export interface AuthUser {
  id: string;
  role: Role;
  /** Set when the caller is an API key acting for the account `id`. */
  key?: {
    id: string;
    scopes: readonly ApiKeyScope[];
    /** A device key's one event: it may act on no other. */
    eventId: string | null;
  };
}

/** The payload EventFlow signs into an access token. */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

/** The signed-in caller. Only on routes that are not public, where the guard guarantees one. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser => {
    const user = context.switchToHttp().getRequest<FastifyRequest>().user;
    if (!user) throw new Error('CurrentUser used on a route without a signed-in caller');
    return user;
  },
);

/** The caller if a valid token was sent, on public routes that show more to some callers. */
export const OptionalUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().user,
);
