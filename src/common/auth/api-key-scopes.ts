import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/**
 * What an API key may be used for. A route takes keys only if it names the scope it needs with
 * @KeyScope; every other route (sign-in, passwords, keys, teams, roles) refuses them: deny by
 * default, as for access rules.
 */
export const API_KEY_SCOPES = [
  'events:read',
  'events:write',
  'orders:read',
  'orders:write',
  'checkins:read',
  'checkins:write',
] as const;

export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The scopes a scanner device key carries: check-in at one event, nothing else. */
export const DEVICE_KEY_SCOPES: readonly ApiKeyScope[] = ['checkins:read', 'checkins:write'];

/** Every key starts with it, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'efk_';

export const KEY_SCOPE = 'eventflow:key-scope';

/** The route accepts an API key that carries this scope (besides sign-in tokens). */
export const KeyScope = (scope: ApiKeyScope) =>
  applyDecorators(SetMetadata(KEY_SCOPE, scope), ApiExtension('x-api-key-scope', scope));
