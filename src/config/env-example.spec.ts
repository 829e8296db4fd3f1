import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every variable load-config.ts reads: the names it hands to its reader (`read.integer('X', …)`). */
function variablesRead(): string[] {
  const source = read('src/config/load-config.ts');
  const names = [
    ...source.matchAll(
      /\.(?:string|integer|boolean|oneOf|url|list|duration|\w+)\(\s*'([A-Z][A-Z0-9_]+)'/g,
    ),
  ];
  return [...new Set(names.map((match) => match[1]))].sort();
}

/** The variables .env.example shows, set or commented out (`NAME=…` or `# NAME=…`). */
function variablesListed(): string[] {
  const names = [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)];
  return [...new Set(names.map((match) => match[1]))].sort();
}

describe('.env.example', () => {
  it('lists every variable the configuration reads, and no other', () => {
    expect(variablesRead().length).toBeGreaterThan(40);
    expect(variablesListed()).toEqual(variablesRead());
  });

  it('is a configuration that starts as it is: every variable it sets is valid', async () => {
    const { loadConfig } = await import('./load-config.js');
    const assignments = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)];
    const env = Object.fromEntries(assignments.map(([, name, value]) => [name, value]));
    expect(() => loadConfig(env)).not.toThrow();
  });
});
