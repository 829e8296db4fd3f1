import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import * as classValidator from 'class-validator';
import { CommonErrors, DomainError } from '../errors/domain-error.js';
import { PageQuery } from './pagination.js';
import { createValidationPipe, flattenValidationErrors } from './validation.js';

const asQuery: ArgumentMetadata = { type: 'query', metatype: PageQuery };

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

  it('refuses a parameter given twice before any rule of the query runs', async () => {
    const pipe = createValidationPipe();
    const validate = jest.spyOn(classValidator, 'validate');
    await expect(pipe.transform({ page: ['1', '2'] }, asQuery)).rejects.toMatchObject({
      status: 400,
      extensions: { errors: [{ field: 'page', message: 'must be given only once' }] },
    });
    expect(validate).not.toHaveBeenCalled();
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

describe('the validation pipe, for any input', () => {
  const asParam: ArgumentMetadata = { type: 'param', metatype: String, data: 'code' };

  it('names the field that holds a NUL character, in a value or a key, at any depth', async () => {
    const pipe = createValidationPipe();
    await expect(pipe.transform('ab\u0000', asParam)).rejects.toMatchObject({
      extensions: { errors: [{ field: 'code', message: expect.stringContaining('NUL') }] },
    });
    await expect(
      pipe.transform({ q: 'x', venue: 'a\u0000' }, { type: 'query', metatype: PageQuery }),
    ).rejects.toMatchObject({ extensions: { errors: [{ field: 'venue' }] } });
    await expect(
      pipe.transform(
        { items: [{ a: 'x' }, { ['k\u0000']: 1 }] },
        { type: 'body', metatype: Object },
      ),
    ).rejects.toMatchObject({ extensions: { errors: [{ field: 'items[1].k\\u0000' }] } });
  });

  it('lists one message a field, the kind of value first', () => {
    const [error] = flattenValidationErrors([
      {
        property: 'name',
        constraints: { isLength: 'must be longer than 1', isString: 'must be a string' },
        children: [],
      },
    ]);
    expect(error).toEqual({ field: 'name', message: 'must be a string' });
  });

  it('bounds the list and says how many were left out', () => {
    const refusal = CommonErrors.validation(
      Array.from({ length: 50 }, (_, i) => ({
        field: `k${i}`,
        message: 'is not an accepted field',
      })),
    );
    expect(refusal.extensions.errors).toHaveLength(20);
    expect(refusal.detail).toContain('30 more');
  });
});
