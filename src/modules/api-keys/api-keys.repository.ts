import { Injectable } from '@nestjs/common';
import type { ApiKeyIdentity } from '../../common/auth/api-key-lookup.js';
import type { ApiKeyScope } from '../../common/auth/api-key-scopes.js';
import type { Role } from '../../common/auth/auth-user.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { ApiKeyRecord } from './api-key.records.js';

const KEY_FIELDS = {
  id: true,
  userId: true,
  eventId: true,
  name: true,
  prefix: true,
  scopes: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
} as const;

const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] as const;

/** `lastUsedAt` is written at most this often per key: a busy key does not write on every request. */
const LAST_USED_RESOLUTION = '1 minute';

export interface NewApiKey {
  userId: string;
  eventId: string | null;
  name: string;
  prefix: string;
  tokenHash: string;
  scopes: readonly ApiKeyScope[];
  expiresAt: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(key: NewApiKey): Promise<ApiKeyRecord> {
    const created = await this.prisma.apiKey.create({
      data: { ...key, scopes: [...key.scopes] },
      select: KEY_FIELDS,
    });
    return created as ApiKeyRecord;
  }

  /** An account's own keys (not device keys), revoked ones too, newest first. */
  async listOfOwner(userId: string): Promise<ApiKeyRecord[]> {
    return (await this.prisma.apiKey.findMany({
      where: { userId, eventId: null },
      select: KEY_FIELDS,
      orderBy: [...NEWEST_FIRST],
    })) as ApiKeyRecord[];
  }

  async listOfEvent(eventId: string): Promise<ApiKeyRecord[]> {
    return (await this.prisma.apiKey.findMany({
      where: { eventId },
      select: KEY_FIELDS,
      orderBy: [...NEWEST_FIRST],
    })) as ApiKeyRecord[];
  }

  /** Revokes a key that is not revoked yet; false when no such key (of that owner or event). */
  async revoke(where: { id: string; userId?: string; eventId: string | null }): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { ...where, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0;
  }

  async exists(where: { id: string; userId?: string; eventId: string | null }): Promise<boolean> {
    return (await this.prisma.apiKey.findFirst({ where, select: { id: true } })) !== null;
  }

  /**
   * The valid key with this hash and its owner's role now, in one statement that also records the
   * use (at most once a minute per key).
   */
  async identify(tokenHash: string): Promise<ApiKeyIdentity | undefined> {
    const rows = await this.prisma.pool.query<{
      keyId: string;
      userId: string;
      role: Role;
      scopes: ApiKeyScope[];
      eventId: string | null;
    }>({
      name: 'eventflow_identify_api_key',
      text: `
        WITH key AS (
          SELECT k.id, k.user_id, k.event_id, k.scopes, k.last_used_at
            FROM api_keys k
           WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
        ), touched AS (
          UPDATE api_keys SET last_used_at = now()
           WHERE id = (SELECT id FROM key)
             AND (last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}')
        )
        SELECT key.id AS "keyId", key.user_id AS "userId", u.role, key.scopes, key.event_id AS "eventId"
          FROM key JOIN users u ON u.id = key.user_id`,
      values: [tokenHash],
    });
    return rows.rows[0];
  }
}
