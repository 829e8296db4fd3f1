import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class PayOrderInput {
  @ApiProperty({
    example: 'tok_visa',
    description:
      'A token from the payment provider. The test provider declines `tok_declined` (402) and fails on `tok_error` (502).',
  })
  @IsString()
  @Length(1, 200)
  paymentToken: string;
}
