import { ParseUUIDPipe } from '@nestjs/common';
import { CommonErrors } from '../errors/domain-error.js';

/** `@Param('id', uuidParam('id'))`: a malformed id is a 400 naming the parameter, never a database error. */
export const uuidParam = (name: string) =>
  new ParseUUIDPipe({
    exceptionFactory: () => CommonErrors.validation([{ field: name, message: 'must be a UUID' }]),
  });
