import { DomainError } from '../errors/domain-error.js';
import { jsonTextOf, MAX_JSON_DEPTH, nestingDepth } from './json-body.js';

describe('JSON body checks', () => {
  it('measures nesting by brackets outside strings', () => {
    expect(nestingDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(nestingDepth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(nestingDepth('{"a":"\\"[[[["}')).toBe(1);
    expect(nestingDepth('"just text"')).toBe(0);
  });

  it('passes the limit exactly, refuses one more', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(jsonTextOf(Buffer.from(nested(MAX_JSON_DEPTH)))).toBe(nested(MAX_JSON_DEPTH));
    expect(() => jsonTextOf(Buffer.from(nested(MAX_JSON_DEPTH + 1)))).toThrow(
      expect.objectContaining({ status: 400, code: 'too-deeply-nested' }),
    );
  });

  it('refuses bytes that are not UTF-8, keeps text that is', () => {
    expect(jsonTextOf(Buffer.from('{"name":"Zoë 🎫"}'))).toBe('{"name":"Zoë 🎫"}');
    expect(() => jsonTextOf(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toThrow(DomainError);
  });
});
