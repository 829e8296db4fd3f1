import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class TicketCodeParam {
  @ApiProperty({ description: 'The ticket code (base64url).', example: 'q3Zb0l2mXJ1xYvN0cQ8H7w' })
  @Matches(/^[A-Za-z0-9_-]{16,64}$/, { message: 'must be a ticket code' })
  code: string;
}
