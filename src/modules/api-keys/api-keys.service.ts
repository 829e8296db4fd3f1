import { Injectable } from '@nestjs/common';
import type { ApiKeyIdentity, ApiKeyLookup } from '../../common/auth/api-key-lookup.js';
import { DEVICE_KEY_SCOPES, type ApiKeyScope } from '../../common/auth/api-key-scopes.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors } from '../../common/errors/domain-error.js';
import { EventAccess } from '../events/event-access.js';
import { hashApiKey, newApiKey } from './api-key-secrets.js';
import type { ApiKeyRecord, IssuedApiKey } from './api-key.records.js';
import { ApiKeysRepository } from './api-keys.repository.js';

const KEY_TEXT = /^efk_[A-Za-z0-9_-]{43}$/;

export interface KeyRequest {
  name: string;
  expiresAt: Date | null;
}

/**
 * API keys of an account, and scanner device keys of an event. A key acts as the account that made
 * it, within its scopes: it never has more rights than that account has at the time of the request.
 */
@Injectable()
export class ApiKeysService implements ApiKeyLookup {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly access: EventAccess,
  ) {}

  async createForAccount(
    caller: AuthUser,
    request: KeyRequest & { scopes: ApiKeyScope[] },
    now = new Date(),
  ): Promise<IssuedApiKey> {
    this.requireFuture(request.expiresAt, now);
    return this.issue(caller.id, null, request, [...new Set(request.scopes)]);
  }

  listForAccount(caller: AuthUser): Promise<ApiKeyRecord[]> {
    return this.keys.listOfOwner(caller.id);
  }

  async revokeForAccount(caller: AuthUser, id: string): Promise<void> {
    await this.revoke({ id, userId: caller.id, eventId: null });
  }

  async createDeviceKey(
    caller: AuthUser,
    eventId: string,
    request: KeyRequest,
    now = new Date(),
  ): Promise<IssuedApiKey> {
    await this.access.requireChangeable(caller, eventId, 'manage-devices');
    this.requireFuture(request.expiresAt, now);
    return this.issue(caller.id, eventId, request, DEVICE_KEY_SCOPES);
  }

  async listDeviceKeys(caller: AuthUser, eventId: string): Promise<ApiKeyRecord[]> {
    await this.access.require(caller, eventId, 'manage-devices');
    return this.keys.listOfEvent(eventId);
  }

  async revokeDeviceKey(caller: AuthUser, eventId: string, id: string): Promise<void> {
    await this.access.require(caller, eventId, 'manage-devices');
    await this.revoke({ id, eventId });
  }

  /** For the access guard: the key's identity, if the text is a key that is valid now. */
  async identify(key: string): Promise<ApiKeyIdentity | undefined> {
    if (!KEY_TEXT.test(key)) return undefined;
    return this.keys.identify(hashApiKey(key));
  }

  private async issue(
    userId: string,
    eventId: string | null,
    request: KeyRequest,
    scopes: readonly ApiKeyScope[],
  ): Promise<IssuedApiKey> {
    const { key, prefix, hash } = newApiKey();
    const record = await this.keys.create({
      userId,
      eventId,
      name: request.name,
      prefix,
      tokenHash: hash,
      scopes,
      expiresAt: request.expiresAt,
    });
    return { ...record, key };
  }

  /** Revoking twice is not an error; a key that is not the caller's is a 404. */
  private async revoke(where: { id: string; userId?: string; eventId: string | null }) {
    if (await this.keys.revoke(where)) return;
    if (!(await this.keys.exists(where))) throw CommonErrors.notFound('The key');
  }

  private requireFuture(expiresAt: Date | null, now: Date): void {
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw CommonErrors.validation([{ field: 'expiresAt', message: 'must be in the future' }]);
    }
  }
}
