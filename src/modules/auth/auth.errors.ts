import { CommonErrors, DomainError } from '../../common/errors/domain-error.js';

export const AuthErrors = {
  /** One answer for an unknown email and a wrong password: it must not tell which. */
  invalidCredentials: () => CommonErrors.unauthorized('The email or password is wrong.'),
  invalidRefreshToken: () => CommonErrors.unauthorized('The refresh token is not valid.'),
  refreshTokenReused: () =>
    CommonErrors.unauthorized('The refresh token was already used; that sign-in has been ended.'),
  emailTaken: () =>
    new DomainError(409, 'email-taken', 'Conflict', 'An account with this email already exists.'),
};
