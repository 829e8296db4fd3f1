import { CommonErrors } from '../../common/errors/domain-error.js';

export const UsersErrors = {
  notFound: () => CommonErrors.notFound('The account'),
  noAccountWithEmail: () => CommonErrors.notFound('An account with this email'),
  lastAdmin: () =>
    CommonErrors.conflict(
      'last-admin',
      'This is the last organizer (ADMIN); make another account ADMIN first.',
    ),
};
