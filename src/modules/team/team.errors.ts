import { CommonErrors } from '../../common/errors/domain-error.js';

export const TeamErrors = {
  noSuchAccount: () => CommonErrors.notFound('An account with this email'),
  notAMember: () => CommonErrors.notFound('This account on the event’s team'),
  alreadyOnTeam: () =>
    CommonErrors.conflict(
      'already-on-team',
      'This account is already on the event’s team; change its role instead.',
    ),
  organizerIsNotAMember: () =>
    CommonErrors.conflict(
      'organizer-not-a-member',
      'The organizer owns the event and cannot also be a member of its team.',
    ),
};
