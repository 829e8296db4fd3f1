import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../../config/load-config.js';
import { DomainError } from '../../common/errors/domain-error.js';
import type { User } from '../users/user.js';
import type { UsersRepository } from '../users/users.repository.js';
import { AuthService } from './auth.service.js';
import type { PasswordHasher } from './password-hasher.js';
import type { RefreshOutcome, SessionsRepository } from './sessions.repository.js';
import { hashRefreshToken } from './tokens.js';

/** The rotation rules of AuthService.refresh, with the repository's verdict given. */
describe('AuthService token rotation rules', () => {
  const config = loadConfig({ JWT_SECRET: 'unit-test-secret-unit-test-secret-123' });
  const user: User = { id: 'u1', email: 'a@b.c', name: 'A', role: 'USER', createdAt: new Date() };
  const jwt = new JwtService({ secret: config.jwt.secret, signOptions: { expiresIn: 60 } });

  function serviceWith(outcome: RefreshOutcome) {
    const rotate = jest.fn(async (_presented: string, _successor: string) => outcome);
    const sessions = { rotate } as unknown as SessionsRepository;
    const users = {
      findById: async (id: string) => (id === user.id ? user : null),
    } as unknown as UsersRepository;
    const service = new AuthService(config, users, sessions, {} as PasswordHasher, jwt);
    return { service, rotate };
  }

  it('presents the hash of the token, never the token, and stores a different successor', async () => {
    const { service, rotate } = serviceWith({ kind: 'rotated', userId: 'u1', sessionId: 's1' });
    const tokens = await service.refresh('the-token');
    const [presented, successor] = rotate.mock.calls[0];
    expect(presented).toBe(hashRefreshToken('the-token'));
    expect(successor).toBe(hashRefreshToken(tokens.refreshToken));
    expect(tokens.refreshToken).not.toBe('the-token');
    expect(tokens.refreshToken.length).toBeGreaterThanOrEqual(43); // 256 bits in base64url
    expect(jwt.decode(tokens.accessToken)).toMatchObject({ sub: 'u1', role: 'USER' });
  });

  it('answers 401 "already used" when the repository saw a reuse', async () => {
    const { service } = serviceWith({ kind: 'reused' });
    await expect(service.refresh('t')).rejects.toMatchObject({
      status: 401,
      detail: expect.stringMatching(/already used/),
    });
  });

  it('answers 401 for an unknown or revoked token', async () => {
    const { service } = serviceWith({ kind: 'invalid' });
    await expect(service.refresh('t')).rejects.toBeInstanceOf(DomainError);
    await expect(service.refresh('t')).rejects.toMatchObject({ status: 401 });
  });

  it('answers 401 when the account behind a valid token is gone', async () => {
    const { service } = serviceWith({ kind: 'rotated', userId: 'deleted', sessionId: 's1' });
    await expect(service.refresh('t')).rejects.toMatchObject({ status: 401 });
  });
});
