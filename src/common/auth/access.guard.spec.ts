import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../../config/load-config.js';
import { DomainError } from '../errors/domain-error.js';
import { AdminOnly, MetricsTokenOnly, Public, SignedIn } from './access.decorators.js';
import { AccessGuard } from './access.guard.js';
import type { ApiKeyLookup } from './api-key-lookup.js';
import type { Role } from './auth-user.js';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, JwtStrategy } from './jwt.strategy.js';
import type { RoleLookup } from './role-lookup.js';

class ProbeController {
  @Public() open(): void {}
  @SignedIn() mine(): void {}
  @AdminOnly() organize(): void {}
  @MetricsTokenOnly() scrape(): void {}
  undeclared(): void {}
}

const USER_ID = '0b7c3e52-5b1e-4f5e-9d7a-3c1f2a4b5c6d';
const ADMIN_ID = '1c8d4f63-6c2f-4a6f-8e8b-4d2a3b5c6d7e';

describe('AccessGuard (roles guard, deny by default)', () => {
  const config = loadConfig({ JWT_SECRET: 'unit-test-secret-unit-test-secret-123' });
  new JwtStrategy(config); // registers the `jwt` passport strategy the guard uses
  const jwt = new JwtService({
    secret: config.jwt.secret,
    signOptions: {
      algorithm: JWT_ALGORITHM,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: 60,
    },
  });
  /** The roles "in the database", and how often the guard asked. */
  const stored = new Map<string, Role>();
  const lookups: string[] = [];
  const roles: RoleLookup = {
    currentRole: async (userId) => {
      lookups.push(userId);
      return stored.get(userId);
    },
  };
  /** No API keys here: api-key-admission.spec.ts covers them. */
  const noKeys: ApiKeyLookup = { identify: () => Promise.resolve(undefined) };
  const guard = new AccessGuard(new Reflector(), roles, noKeys, config);
  const METRICS_TOKEN = 'metrics-token-metrics-token-0123456789';
  const tokenGuard = new AccessGuard(new Reflector(), roles, noKeys, {
    metrics: { exposure: 'api-port', port: undefined, token: METRICS_TOKEN },
  });

  beforeEach(() => {
    stored.clear();
    stored.set(USER_ID, 'USER').set(ADMIN_ID, 'ADMIN');
    lookups.length = 0;
  });

  function contextFor(handler: keyof ProbeController, token?: string) {
    const request: { headers: Record<string, string>; user?: unknown } = {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    };
    const context = {
      getHandler: () => ProbeController.prototype[handler],
      getClass: () => ProbeController,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
    } as unknown as ExecutionContext;
    return { context, request };
  }

  async function statusOf(
    handler: keyof ProbeController,
    token?: string,
    by: AccessGuard = guard,
  ): Promise<number> {
    try {
      await by.canActivate(contextFor(handler, token).context);
      return 200;
    } catch (error) {
      if (error instanceof DomainError) return error.status;
      throw error;
    }
  }

  const userToken = () => jwt.signAsync({ sub: USER_ID, role: 'USER' });
  const adminToken = () => jwt.signAsync({ sub: ADMIN_ID, role: 'ADMIN' });

  it('refuses a route that declares no access rule, even to an admin', async () => {
    expect(await statusOf('undeclared')).toBe(403);
    expect(await statusOf('undeclared', await adminToken())).toBe(403);
  });

  it('lets anyone through a public route and still identifies a valid token', async () => {
    expect(await statusOf('open')).toBe(200);
    const { context, request } = contextFor('open', await userToken());
    await guard.canActivate(context);
    expect(request.user).toEqual({ id: USER_ID, role: 'USER' });
  });

  it('treats a bad token on a public route as anonymous', async () => {
    const { context, request } = contextFor('open', 'not-a-token');
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.user).toBeUndefined();
  });

  it('needs a valid token for signed-in routes', async () => {
    expect(await statusOf('mine')).toBe(401);
    expect(await statusOf('mine', 'not-a-token')).toBe(401);
    expect(await statusOf('mine', await userToken())).toBe(200);
  });

  it('lets only ADMIN through admin routes', async () => {
    expect(await statusOf('organize')).toBe(401);
    expect(await statusOf('organize', await userToken())).toBe(403);
    expect(await statusOf('organize', await adminToken())).toBe(200);
  });

  it('takes the role on admin routes from the database, not from the token', async () => {
    stored.set(ADMIN_ID, 'USER');
    expect(await statusOf('organize', await adminToken())).toBe(403);
    stored.set(USER_ID, 'ADMIN');
    const { context, request } = contextFor('organize', await userToken());
    await expect(guard.canActivate(context)).resolves.toBe(true);
    // The handler sees the current role too.
    expect(request.user).toEqual({ id: USER_ID, role: 'ADMIN' });
  });

  it('answers 401 on an admin route when the token’s account no longer exists', async () => {
    stored.delete(ADMIN_ID);
    expect(await statusOf('organize', await adminToken())).toBe(401);
  });

  it('asks the database on admin routes only: one lookup each, none on the others', async () => {
    await statusOf('open', await adminToken());
    await statusOf('mine', await adminToken());
    await statusOf('organize', 'not-a-token');
    expect(lookups).toEqual([]);
    await statusOf('organize', await adminToken());
    expect(lookups).toEqual([ADMIN_ID]);
  });

  it('refuses a signed token whose role is not one of ours', async () => {
    expect(await statusOf('mine', await jwt.signAsync({ sub: USER_ID, role: 'ROOT' }))).toBe(401);
    expect(await statusOf('mine', await jwt.signAsync({ sub: 'user-1', role: 'USER' }))).toBe(401);
  });

  it('lets only the bearer of METRICS_TOKEN scrape when one is set: no account token counts', async () => {
    expect(await statusOf('scrape', undefined, tokenGuard)).toBe(401);
    expect(await statusOf('scrape', `${METRICS_TOKEN}x`, tokenGuard)).toBe(401);
    expect(await statusOf('scrape', METRICS_TOKEN.slice(0, -1), tokenGuard)).toBe(401);
    expect(await statusOf('scrape', await adminToken(), tokenGuard)).toBe(401);
    expect(await statusOf('scrape', 'efk_someapikey', tokenGuard)).toBe(401);
    expect(await statusOf('scrape', METRICS_TOKEN, tokenGuard)).toBe(200);
    expect(lookups).toEqual([]);
  });

  it('lets anyone scrape when no METRICS_TOKEN is set (open only outside production)', async () => {
    expect(await statusOf('scrape')).toBe(200);
    expect(await statusOf('scrape', 'anything')).toBe(200);
  });
});
