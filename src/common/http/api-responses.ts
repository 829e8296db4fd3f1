import { ApiProblem } from './openapi-problems.js';

/** The 400 every route with input can answer: validation failures, with `errors[]` per field. */
export const ApiBadRequest = () => ApiProblem(400, 'The input is not valid (see `errors`).');

export const ApiNotFound = (what: string) =>
  ApiProblem(404, `${what} does not exist or is not visible to the caller.`);
