import { ApiBadRequestResponse, ApiNotFoundResponse } from '@nestjs/swagger';
import { ProblemResponse } from './openapi.js';

/** The 400 every route with input can answer: validation failures, with `errors[]` per field. */
export const ApiBadRequest = () =>
  ApiBadRequestResponse({
    description: 'The input is not valid (see `errors`).',
    type: ProblemResponse,
  });

export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({
    description: `${what} does not exist or is not visible to the caller.`,
    type: ProblemResponse,
  });
