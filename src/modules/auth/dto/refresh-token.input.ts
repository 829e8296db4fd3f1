import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class RefreshTokenInput {
  @ApiProperty({ description: 'The refresh token from the last sign-in or refresh.' })
  @IsString()
  @Length(1, 512)
  refreshToken: string;
}
