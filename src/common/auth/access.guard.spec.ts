import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../../config/load-config.js';
import { DomainError } from '../errors/domain-error.js';
import { AdminOnly, Public, SignedIn } from './access.decorators.js';
import { AccessGuard } from './access.guard.js';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, JwtStrategy } from './jwt.strategy.js';

class ProbeController {
  @Public() open(): void {}
  @SignedIn() mine(): void {}
  @AdminOnly() organize(): void {}
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
  const guard = new AccessGuard(new Reflector());

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

  async function statusOf(handler: keyof ProbeController, token?: string): Promise<number> {
    try {
      await guard.canActivate(contextFor(handler, token).context);
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

  it('refuses a signed token whose role is not one of ours', async () => {
    expect(await statusOf('mine', await jwt.signAsync({ sub: USER_ID, role: 'ROOT' }))).toBe(401);
    expect(await statusOf('mine', await jwt.signAsync({ sub: 'user-1', role: 'USER' }))).toBe(401);
  });
});
