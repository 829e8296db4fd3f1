import { ApiProperty } from '@nestjs/swagger';

/** The same answer whether or not an account uses the email: it must not tell which. */
export class PasswordResetRequestedOutput {
  @ApiProperty({
    example:
      'If an account uses this email, a link to reset its password is on its way. It works once, for 30 minutes.',
  })
  message: string;
}

export class PasswordResetTokenOutput {
  @ApiProperty({
    type: Boolean,
    enum: [true],
    description: 'Always true: an unusable token is a 400.',
  })
  valid: true;

  @ApiProperty({ format: 'date-time', description: 'The link stops working at this time (UTC).' })
  expiresAt: string;
}
