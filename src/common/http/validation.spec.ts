import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import * as classValidator from 'class-validator';
import { IsOptional, IsString } from 'class-validator';
import { DomainError } from '../errors/domain-error.js';
import { PageQuery } from './pagination.js';
import { createValidationPipe } from './validation.js';

const asQuery: ArgumentMetadata = { type: 'query', metatype: PageQuery };

/** A query whose validated value holds an array: a shallow copy would share it. */
class TagsQuery {
  @IsOptional()
  @IsString({ each: true })
  tag?: string[];
}

describe('the validation pipe, for query strings', () => {
  it('validates a query string once, then answers it from memory with a copy of its own', async () => {
    const pipe = createValidationPipe();
    const validate = jest.spyOn(classValidator, 'validate');
    const first = (await pipe.transform({ page: '2' }, asQuery)) as PageQuery;
    const second = (await pipe.transform({ page: '2' }, asQuery)) as PageQuery;
    expect(validate).toHaveBeenCalledTimes(1);
    expect(second).toBeInstanceOf(PageQuery);
    expect(second).toEqual({ page: 2, limit: 20 });
    expect(second).not.toBe(first);
    second.page = 99; // one request changing its query leaves the next one's alone
    await expect(pipe.transform({ page: '2' }, asQuery)).resolves.toEqual({ page: 2, limit: 20 });
    await pipe.transform({ page: '3' }, asQuery);
    expect(validate).toHaveBeenCalledTimes(2);
    validate.mockRestore();
  });

  it('does not remember a query whose value holds an array: validated every time', async () => {
    const pipe = createValidationPipe();
    const validate = jest.spyOn(classValidator, 'validate');
    const asTags: ArgumentMetadata = { type: 'query', metatype: TagsQuery };
    const first = (await pipe.transform({ tag: ['a', 'b'] }, asTags)) as TagsQuery;
    first.tag!.push('changed by the first request');
    await expect(pipe.transform({ tag: ['a', 'b'] }, asTags)).resolves.toEqual({ tag: ['a', 'b'] });
    expect(validate).toHaveBeenCalledTimes(2);
    validate.mockRestore();
  });

  it('does not remember a refused query: it is refused every time', async () => {
    const pipe = createValidationPipe();
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(pipe.transform({ limit: '500' }, asQuery)).rejects.toBeInstanceOf(DomainError);
      await expect(pipe.transform({ page: '1', role: 'ADMIN' }, asQuery)).rejects.toBeInstanceOf(
        DomainError,
      );
    }
  });
});
