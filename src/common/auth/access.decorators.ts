import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiProblem } from '../http/openapi-problems.js';

/** The OpenAPI security scheme of METRICS_TOKEN. */
export const METRICS_TOKEN_SCHEME = 'metrics-token';

/**
 * Who may call a route. Every route must declare one (the access guard refuses a route that does
 * not, and a test walks every route to prove none is left out). Ownership, such as "its
 * organizer", is a rule of the feature's service, checked after this.
 */
export type AccessRule = 'public' | 'signed-in' | 'admin' | 'event-team' | 'metrics-token';
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
    ApiProblem(401, 'No valid access token.'),
  );

/**
 * Organizers only (role ADMIN); a USER gets 403. The guard reads the role from the database, not
 * from the token, so a promotion or demotion counts from the account's next request.
 */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, 'admin' satisfies AccessRule),
    ApiExtension('x-access', 'admin'),
    ApiBearerAuth(),
    ApiProblem(401, 'No valid access token.'),
    ApiProblem(403, 'The caller is not an organizer.'),
  );

/**
 * Any signed-in account; the service then checks the caller's place on the event named in the path
 * (its organizer, or a member of its team whose role allows the action: see event-permissions.ts).
 * A draft answers 404 to everyone else; a published event 403.
 */
export const EventTeamOnly = (who: string) =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, 'event-team' satisfies AccessRule),
    ApiExtension('x-access', 'event-team'),
    ApiBearerAuth(),
    ApiProblem(401, 'No valid access token.'),
    ApiProblem(403, `Not on this event’s team, or a role that may not: ${who}.`, [
      'not-your-event',
      'team-role-insufficient',
    ]),
  );

/**
 * Monitoring only: the bearer of METRICS_TOKEN, whatever account tokens or API keys say (they are
 * refused with 401 like a missing token). Without METRICS_TOKEN the route is open, which the
 * configuration allows only outside production or on a port of its own (METRICS_PORT).
 */
export const MetricsTokenOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, 'metrics-token' satisfies AccessRule),
    ApiExtension('x-access', 'metrics-token'),
    ApiBearerAuth(METRICS_TOKEN_SCHEME),
    ApiProblem(401, 'METRICS_TOKEN is set and the request does not send it.'),
  );
