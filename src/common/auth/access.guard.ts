import { Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { CommonErrors, DomainError } from '../errors/domain-error.js';
import { ACCESS_RULE, type AccessRule } from './access.decorators.js';
import type { AuthUser } from './auth-user.js';
import { admitApiKey, apiKeyOf } from './api-key-admission.js';
import { API_KEY_LOOKUP, type ApiKeyLookup } from './api-key-lookup.js';
import { KEY_SCOPE, type ApiKeyScope } from './api-key-scopes.js';
import { KeyLookupLimiter } from './key-lookup-limiter.js';
import { ROLE_LOOKUP, type RoleLookup } from './role-lookup.js';
import { requireMetricsToken } from './metrics-token.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';

/**
 * The one global guard: deny by default. A route with no declared access rule is refused (and
 * logged, since that is a programming error); signed-in routes need a valid access token; admin
 * routes also need the ADMIN role, as the database holds it now. An API key instead of a token
 * passes only on routes that name a scope it carries (see admitApiKey).
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger(AccessGuard.name);
  private readonly keyLookups = new KeyLookupLimiter();

  constructor(
    private readonly reflector: Reflector,
    @Inject(ROLE_LOOKUP) private readonly roles: RoleLookup,
    @Inject(API_KEY_LOOKUP) private readonly keys: ApiKeyLookup,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'metrics'>,
  ) {
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
    // Before API keys and sign-in tokens: on this rule neither means anything.
    if (rule === 'metrics-token') {
      requireMetricsToken(request.headers.authorization, this.config.metrics.token);
      return true;
    }
    const key = apiKeyOf(request.headers.authorization);
    if (key !== undefined) {
      const scope = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(KEY_SCOPE, [
        context.getHandler(),
        context.getClass(),
      ]);
      request.user = admitApiKey(await this.identifyKey(request, key), rule, scope);
      return true;
    }
    if (rule === 'public') {
      if (request.headers.authorization) await this.identifyIfPossible(context, request);
      return true;
    }
    await super.canActivate(context);
    if (rule === 'admin') await this.confirmAdmin(request);
    return true;
  }

  /**
   * A token keeps the role it was signed with until it expires, so on admin routes it is only a
   * hint: one primary-key read says what the account is now, and a demotion or promotion counts
   * from its next request. Other routes trust the token; they are the hot paths.
   */
  private async confirmAdmin(request: FastifyRequest): Promise<void> {
    const caller = request.user!;
    const role = await this.roles.currentRole(caller.id);
    if (role === undefined) {
      throw CommonErrors.unauthorized('The account of this token no longer exists.');
    }
    request.user = { ...caller, role };
    if (role !== 'ADMIN') {
      throw CommonErrors.forbidden('Only organizers (role ADMIN) may use this route.');
    }
  }

  private async identifyKey(request: FastifyRequest, key: string) {
    const retryAfter = this.keyLookups.retryAfterSeconds(request.ip);
    if (retryAfter > 0) {
      throw new DomainError(
        429,
        'rate-limited',
        'Too Many Requests',
        `Too many unknown API keys from this client; try again in ${retryAfter} s.`,
        {},
        { 'Retry-After': String(retryAfter) },
      );
    }
    const identity = await this.keys.identify(key);
    if (!identity) this.keyLookups.recordFailure(request.ip);
    return identity;
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
