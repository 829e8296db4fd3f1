import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsInt, IsUUID, Max, Min } from 'class-validator';
import { ArrayOfObjects } from '../../../common/http/nested.js';

export class OrderItemInput {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a UUID' })
  ticketTypeId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 2 })
  @IsInt()
  @Min(1)
  @Max(100)
  quantity: number;
}

export class CreateOrderInput {
  @ApiProperty({
    type: [OrderItemInput],
    minItems: 1,
    maxItems: 20,
    description: 'All of one event, each ticket type once.',
  })
  @ArrayOfObjects(() => OrderItemInput)
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  items: OrderItemInput[];
}
