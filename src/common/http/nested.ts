import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsObject, ValidateNested } from 'class-validator';

/**
 * A list of objects each validated as `type`. ValidateNested alone lets an array inside the list
 * through (it validates the inner array's entries, of which there are none), and the service
 * would then read fields of `[]`: each entry must itself be an object.
 */
export const ArrayOfObjects = (type: () => new () => object) =>
  applyDecorators(
    IsArray(),
    IsObject({ each: true, message: 'each entry must be a JSON object' }),
    ValidateNested({ each: true }),
    Type(type),
  );
