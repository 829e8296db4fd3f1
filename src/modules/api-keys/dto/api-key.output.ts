import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../common/auth/api-key-scopes.js';
import type { ApiKeyRecord, IssuedApiKey } from '../api-key.records.js';

const nullableDateTime = { format: 'date-time', nullable: true, type: String } as const;

export class ApiKeyOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Box office sync' }) name: string;
  @ApiProperty({ example: 'efk_q3Zb0l2m', description: 'The key’s first characters.' })
  prefix: string;
  @ApiProperty({ type: [String], enum: API_KEY_SCOPES }) scopes: ApiKeyScope[];
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'A device key’s event; null for an account’s key.',
  })
  eventId: string | null;
  @ApiProperty(nullableDateTime) expiresAt: string | null;
  @ApiProperty(nullableDateTime) revokedAt: string | null;
  @ApiProperty({ ...nullableDateTime, description: 'To the minute.' }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(key: ApiKeyRecord): ApiKeyOutput {
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes,
      eventId: key.eventId,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      createdAt: key.createdAt.toISOString(),
    };
  }
}

export class IssuedApiKeyOutput extends ApiKeyOutput {
  @ApiProperty({
    example: 'efk_q3Zb0l2mXJ1xYvN0cQ8H7wq3Zb0l2mXJ1xYvN0cQ8H7w1',
    description:
      'Send as `Authorization: Bearer <key>`. Shown this once: only its SHA-256 is stored.',
  })
  key: string;

  static issued(key: IssuedApiKey): IssuedApiKeyOutput {
    return { ...ApiKeyOutput.from(key), key: key.key };
  }
}

export class ApiKeyListOutput {
  @ApiProperty({ type: [ApiKeyOutput], description: 'Newest first, revoked ones too.' })
  data: ApiKeyOutput[];
}
