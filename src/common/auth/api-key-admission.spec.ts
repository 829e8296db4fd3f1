import { DomainError } from '../errors/domain-error.js';
import { admitApiKey, apiKeyOf } from './api-key-admission.js';
import type { ApiKeyIdentity } from './api-key-lookup.js';

const identity = (overrides: Partial<ApiKeyIdentity> = {}): ApiKeyIdentity => ({
  keyId: '5a0e0c1e-0000-4000-8000-000000000001',
  userId: '5a0e0c1e-0000-4000-8000-000000000002',
  role: 'ADMIN',
  scopes: ['events:read'],
  eventId: null,
  ...overrides,
});

function refusal(run: () => unknown): { status: number; code: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('admitted');
}

describe('API key admission', () => {
  it('tells a key from a sign-in token by its prefix', () => {
    expect(apiKeyOf('Bearer efk_abc')).toBe('efk_abc');
    expect(apiKeyOf('bearer efk_abc')).toBe('efk_abc');
    expect(apiKeyOf('Bearer eyJhbGciOi.x.y')).toBeUndefined();
    expect(apiKeyOf('Basic efk_abc')).toBeUndefined();
    expect(apiKeyOf(undefined)).toBeUndefined();
  });

  it('admits a key with the route’s scope as its owner, with the owner’s current role', () => {
    expect(admitApiKey(identity(), 'admin', 'events:read')).toEqual({
      id: identity().userId,
      role: 'ADMIN',
      key: { id: identity().keyId, scopes: ['events:read'], eventId: null },
    });
  });

  it('refuses an unknown key (401), a route that takes no keys, a missing scope, a USER on admin routes', () => {
    expect(refusal(() => admitApiKey(undefined, 'signed-in', 'orders:read'))).toEqual({
      status: 401,
      code: 'unauthorized',
    });
    expect(refusal(() => admitApiKey(identity(), 'signed-in', undefined))).toEqual({
      status: 403,
      code: 'api-key-not-allowed',
    });
    expect(refusal(() => admitApiKey(identity(), 'admin', 'events:write'))).toEqual({
      status: 403,
      code: 'api-key-scope-missing',
    });
    const userKey = identity({ role: 'USER', scopes: ['events:write'] });
    expect(refusal(() => admitApiKey(userKey, 'admin', 'events:write'))).toEqual({
      status: 403,
      code: 'forbidden',
    });
  });

  it('on a public route, an invalid key is still a 401; a valid one without the scope means anonymous', () => {
    expect(refusal(() => admitApiKey(undefined, 'public', 'events:read'))).toEqual({
      status: 401,
      code: 'unauthorized',
    });
    expect(admitApiKey(identity(), 'public', undefined)).toBeUndefined();
    expect(admitApiKey(identity(), 'public', 'events:read')?.id).toBe(identity().userId);
  });
});
