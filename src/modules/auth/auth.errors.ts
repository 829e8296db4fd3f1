import { CommonErrors, DomainError } from '../../common/errors/domain-error.js';

export const AuthErrors = {
  /** One answer for an unknown email and a wrong password: it must not tell which. */
  invalidCredentials: () => CommonErrors.unauthorized('The email or password is wrong.'),
  invalidRefreshToken: () => CommonErrors.unauthorized('The refresh token is not valid.'),
  refreshTokenReused: () =>
    CommonErrors.unauthorized('The refresh token was already used; that sign-in has been ended.'),
  /** One answer for unknown, expired and used: a probe learns nothing about someone else's token. */
  resetTokenInvalid: () =>
    new DomainError(
      400,
      'reset-token-invalid',
      'Bad Request',
      'This password-reset link is unknown, expired or already used; ask for a new one.',
    ),
  emailTaken: () =>
    new DomainError(409, 'email-taken', 'Conflict', 'An account with this email already exists.'),
};
