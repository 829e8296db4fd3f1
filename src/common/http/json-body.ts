import { isUtf8 } from 'node:buffer';
import { DomainError } from '../errors/domain-error.js';

/**
 * Deepest nesting of arrays and objects a body may have. The API's own bodies nest three levels
 * (an event, its ticket types, one type) and a payment provider's webhook event about ten; refusing
 * deeper text before it is parsed keeps a 2 KB body of `[[[[…` from costing a stack overflow, or
 * seconds of event loop, in the parser and the validator after it.
 */
export const MAX_JSON_DEPTH = 16;

const malformed = (detail: string) => new DomainError(400, 'malformed-json', 'Bad Request', detail);

/**
 * The checks a JSON body passes before JSON.parse sees it: valid UTF-8 (a decoder would quietly
 * turn bad bytes into U+FFFD, so what was stored would not be what was sent), and nesting no
 * deeper than MAX_JSON_DEPTH. Returns the text to parse.
 */
export function jsonTextOf(body: Buffer): string {
  if (!isUtf8(body)) throw malformed('The body is not valid UTF-8.');
  const text = body.toString('utf8');
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw new DomainError(
      400,
      'too-deeply-nested',
      'Bad Request',
      `The body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  return text;
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest bracket nesting of JSON text, brackets inside strings not counted; one pass. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > deepest) deepest = depth;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--;
    }
  }
  return deepest;
}
