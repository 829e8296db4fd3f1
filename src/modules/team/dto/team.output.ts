import { ApiProperty } from '@nestjs/swagger';
import type { TeamMemberRecord, TeamRole } from '../team.records.js';

export class TeamMemberOutput {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ example: 'door@example.com' }) email: string;
  @ApiProperty({ example: 'Door Staff' }) name: string;
  @ApiProperty({ enum: ['MANAGER', 'SCANNER'] }) role: TeamRole;
  @ApiProperty({ format: 'date-time' }) addedAt: string;

  static from(member: TeamMemberRecord): TeamMemberOutput {
    return {
      userId: member.userId,
      email: member.email,
      name: member.name,
      role: member.role,
      addedAt: member.addedAt.toISOString(),
    };
  }
}

export class TeamListOutput {
  @ApiProperty({ type: [TeamMemberOutput], description: 'In the order they were added.' })
  data: TeamMemberOutput[];
}
