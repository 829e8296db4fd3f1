import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import type { TeamRole } from '../team.records.js';

const TEAM_ROLES: TeamRole[] = ['MANAGER', 'SCANNER'];

export class AddTeamMemberInput {
  @ApiProperty({
    example: 'door@example.com',
    maxLength: 254,
    description: 'The email of an existing account.',
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({
    enum: TEAM_ROLES,
    description:
      'MANAGER: everything the organizer may do except cancel or delete the event and manage its team. ' +
      'SCANNER: check tickets in, see the scan log and the attendees.',
  })
  @IsIn(TEAM_ROLES, { message: 'must be MANAGER or SCANNER' })
  role: TeamRole;
}

export class ChangeTeamRoleInput {
  @ApiProperty({ enum: TEAM_ROLES, example: 'MANAGER' })
  @IsIn(TEAM_ROLES, { message: 'must be MANAGER or SCANNER' })
  role: TeamRole;
}
