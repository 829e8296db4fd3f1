import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ProblemResponse } from '../http/openapi.js';

/**
 * Who may call a route. Every route must declare one (the access guard refuses a route that does
 * not, and a test walks every route to prove none is left out). Ownership, such as "its
 * organizer", is a rule of the feature's service, checked after this.
 */
export type AccessRule = 'public' | 'signed-in' | 'admin';
export const ACCESS_RULE = 'eventflow:access-rule';

/** Anyone, signed in or not. A valid token, when sent, still identifies the caller. */
export const Public = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, 'public' satisfies AccessRule),
    ApiExtension('x-access', 'public'),
  );

/** Any signed-in account. */
export const SignedIn = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, 'signed-in' satisfies AccessRule),
    ApiExtension('x-access', 'signed-in'),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid access token.', type: ProblemResponse }),
  );

/** Organizers only (role ADMIN); a USER gets 403. */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, 'admin' satisfies AccessRule),
    ApiExtension('x-access', 'admin'),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid access token.', type: ProblemResponse }),
    ApiForbiddenResponse({ description: 'The caller is not an organizer.', type: ProblemResponse }),
  );
