import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CheckInInput {
  @ApiProperty({
    description: 'The code read from the ticket’s QR code.',
    example: 'q3Zb0l2mXJ1xYvN0cQ8H7w',
  })
  @IsString()
  @Length(1, 200)
  code: string;
}
