import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { CommonErrors } from '../errors/domain-error.js';
import { ACCESS_RULE, type AccessRule } from './access.decorators.js';
import type { AuthUser } from './auth-user.js';

/**
 * The one global guard: deny by default. A route with no declared access rule is refused (and
 * logged, since that is a programming error); signed-in routes need a valid access token; admin
 * routes also need the ADMIN role.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule === undefined) {
      this.logger.error(
        `Route ${context.getClass().name}.${context.getHandler().name} declares no access rule`,
      );
      throw CommonErrors.forbidden('This route is not open to anyone.');
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (rule === 'public') {
      if (request.headers.authorization) await this.identifyIfPossible(context, request);
      return true;
    }
    await super.canActivate(context);
    if (rule === 'admin' && request.user?.role !== 'ADMIN') {
      throw CommonErrors.forbidden('Only organizers (role ADMIN) may use this route.');
    }
    return true;
  }

  /** Public routes show more to a signed-in caller; a bad token there just means anonymous. */
  private async identifyIfPossible(
    context: ExecutionContext,
    request: FastifyRequest,
  ): Promise<void> {
    try {
      await super.canActivate(context);
    } catch {
      request.user = undefined;
    }
  }

  override handleRequest<TUser = AuthUser>(error: unknown, user: TUser | false): TUser {
    if (error || !user)
      throw CommonErrors.unauthorized('The access token is missing, expired or invalid.');
    return user;
  }
}
