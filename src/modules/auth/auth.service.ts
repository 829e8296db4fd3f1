import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { AccessTokenClaims, AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors } from '../../common/errors/domain-error.js';
import { normalizeEmail, type User } from '../users/user.js';
import { EmailTakenError, UsersRepository } from '../users/users.repository.js';
import { AuthErrors } from './auth.errors.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsRepository } from './sessions.repository.js';
import { hashRefreshToken, newRefreshToken } from './tokens.js';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly passwords: PasswordHasher,
    private readonly jwt: JwtService,
  ) {}

  /** Sign-up always makes a USER; organizers are promoted by an operator, never by a request. */
  async register(input: {
    email: string;
    password: string;
    name: string;
  }): Promise<{ user: User } & Tokens> {
    const passwordHash = await this.passwords.hash(input.password);
    let user: User;
    try {
      user = await this.users.create({
        email: normalizeEmail(input.email),
        name: input.name.trim(),
        passwordHash,
        role: 'USER',
      });
    } catch (error) {
      if (error instanceof EmailTakenError) throw AuthErrors.emailTaken();
      throw error;
    }
    return { user, ...(await this.startSession(user)) };
  }

  async login(email: string, password: string): Promise<{ user: User } & Tokens> {
    const found = await this.users.findByEmailForSignIn(normalizeEmail(email));
    const valid = found
      ? await this.passwords.verify(found.passwordHash, password)
      : await this.passwords.verifyNothing(password);
    if (!found || !valid) throw AuthErrors.invalidCredentials();
    const { passwordHash: _hash, ...user } = found;
    return { user, ...(await this.startSession(user)) };
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const successor = newRefreshToken();
    const outcome = await this.sessions.rotate(hashRefreshToken(refreshToken), successor.hash);
    if (outcome.kind === 'reused') throw AuthErrors.refreshTokenReused();
    if (outcome.kind === 'invalid') throw AuthErrors.invalidRefreshToken();
    const user = await this.users.findById(outcome.userId);
    if (!user) throw AuthErrors.invalidRefreshToken();
    return { accessToken: await this.signAccessToken(user), refreshToken: successor.token };
  }

  async logout(caller: AuthUser, refreshToken: string): Promise<void> {
    await this.sessions.revokeByToken(hashRefreshToken(refreshToken), caller.id);
  }

  async me(caller: AuthUser): Promise<User> {
    const user = await this.users.findById(caller.id);
    if (!user) throw CommonErrors.unauthorized('The account of this token no longer exists.');
    return user;
  }

  private async startSession(user: User): Promise<Tokens> {
    const refresh = newRefreshToken();
    const expiresAt = new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000);
    await this.sessions.startSession(user.id, refresh.hash, expiresAt);
    return { accessToken: await this.signAccessToken(user), refreshToken: refresh.token };
  }

  private signAccessToken(user: Pick<User, 'id' | 'role'>): Promise<string> {
    const claims: AccessTokenClaims = { sub: user.id, role: user.role };
    return this.jwt.signAsync(claims);
  }
}
