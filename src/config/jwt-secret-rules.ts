/** Shorter than this, HS256 gets less key than its hash size; refused in every environment. */
export const MIN_SECRET_LENGTH = 32;

/**
 * `.env.example`'s placeholder. It is only ever set by copying that file and uncommenting the
 * line, so it is refused in every environment.
 */
export const EXAMPLE_PLACEHOLDER_SECRET =
  'change-me-to-a-long-random-string-of-32-or-more-characters';

/**
 * Secrets written elsewhere in this repository, where anyone can read them: what the tests and the
 * OpenAPI writer sign with. Fine for them; a production start refuses them.
 */
const REPOSITORY_SECRETS = [
  'test-secret-that-is-long-enough-for-hs256-signing',
  'unit-test-secret-unit-test-secret-123',
  'only-used-to-build-the-openapi-document',
];

/**
 * The variety rule. Random output clears it with room to spare: in 300,000 draws each, 64 hex
 * characters (`openssl rand -hex 32`) never showed fewer than 3.3 bits a character or 12 different
 * characters, 44 base64 characters (`openssl rand -base64 32`) never fewer than 4.2 bits or 23.
 * Typed secrets such as `aaaa…`, `abab…`, `qwertyqwerty…` or a word repeated do not. Only 32 hex
 * characters (`-hex 16`) are too few to tell: about one draw in 7,000 is refused.
 */
export const MIN_DISTINCT_CHARACTERS = 10;
export const MIN_BITS_PER_CHARACTER = 3;

/** Problems that stop the start in any environment. */
export function secretProblems(secret: string): string[] {
  const problems: string[] = [];
  if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (secret === EXAMPLE_PLACEHOLDER_SECRET) {
    problems.push(
      'JWT_SECRET is the placeholder of .env.example, which anyone can read; generate one with: openssl rand -base64 48',
    );
  }
  return problems;
}

/**
 * Why a secret of the right length still does not look random, or undefined when it does. A
 * production start refuses it; elsewhere it is a warning.
 */
export function secretWeakness(secret: string): string | undefined {
  const advice = 'generate one with: openssl rand -base64 48';
  if (REPOSITORY_SECRETS.includes(secret)) {
    return `JWT_SECRET is a value published in this repository; ${advice}`;
  }
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT_CHARACTERS) {
    return `JWT_SECRET has only ${distinct} different characters (at least ${MIN_DISTINCT_CHARACTERS}); ${advice}`;
  }
  const bits = bitsPerCharacter(secret);
  if (bits < MIN_BITS_PER_CHARACTER) {
    return `JWT_SECRET has ${bits.toFixed(1)} bits per character (at least ${MIN_BITS_PER_CHARACTER}); ${advice}`;
  }
  const period = shortestPeriod(secret);
  if (period <= secret.length / 2) {
    return `JWT_SECRET repeats its first ${period} characters; ${advice}`;
  }
  return undefined;
}

/** Shannon entropy of the secret's own character counts: what each character adds at best. */
export function bitsPerCharacter(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  const length = [...text].length;
  let bits = 0;
  for (const count of counts.values()) bits -= (count / length) * Math.log2(count / length);
  return bits;
}

/** The smallest p with text[i] === text[i + p] throughout (the length itself when none is). */
function shortestPeriod(text: string): number {
  for (let period = 1; period < text.length; period++) {
    let repeats = true;
    for (let i = period; i < text.length && repeats; i++) repeats = text[i] === text[i - period];
    if (repeats) return period;
  }
  return text.length;
}
