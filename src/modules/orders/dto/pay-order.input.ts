import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsString, Length } from 'class-validator';
import { ArrayOfObjects } from '../../../common/http/nested.js';
import { OptionalNotNull } from '../../../common/http/optional.js';
import {
  ATTENDEES_DESCRIPTION,
  AttendeeNameInput,
  MAX_ATTENDEE_NAMES,
} from './attendee-names.input.js';

export class PayOrderInput {
  @ApiProperty({
    example: 'tok_visa',
    description:
      'With Stripe, a PaymentMethod id (`pm_...`, from Stripe.js; `pm_card_visa` in test mode). The test provider ' +
      'approves anything but `tok_declined` (402), `tok_error` (502, nothing charged), `tok_lost_answer` (charged, its ' +
      'answer lost: 202, then settled by the sweeper) and `tok_delay_<ms>` (approved after that long). Ignored for a free order.',
  })
  @IsString()
  @Length(1, 200)
  paymentToken: string;

  @ApiPropertyOptional({
    type: [AttendeeNameInput],
    maxItems: MAX_ATTENDEE_NAMES,
    description: `${ATTENDEES_DESCRIPTION} Replaces names given before; left out, those stand.`,
  })
  @OptionalNotNull()
  @ArrayOfObjects(() => AttendeeNameInput)
  @ArrayMaxSize(MAX_ATTENDEE_NAMES)
  attendees?: AttendeeNameInput[];
}
