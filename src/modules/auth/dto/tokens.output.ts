import { ApiProperty } from '@nestjs/swagger';
import { UserOutput } from '../../users/user.output.js';

export class TokensOutput {
  @ApiProperty({ description: 'Short-lived JWT for `Authorization: Bearer`.' }) accessToken: string;
  @ApiProperty({ description: 'Single-use token for POST /api/auth/refresh.' })
  refreshToken: string;
}

export class SignedInOutput extends TokensOutput {
  @ApiProperty({ type: UserOutput }) user: UserOutput;
}
