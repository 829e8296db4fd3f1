import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Role } from '../../common/auth/auth-user.js';

const ROLES: Role[] = ['USER', 'ADMIN'];

export class RoleInput {
  @ApiProperty({
    enum: ROLES,
    description: 'ADMIN: organizes events (and may change roles). USER: buys tickets.',
  })
  @IsIn(ROLES, { message: 'must be USER or ADMIN' })
  role: Role;
}
