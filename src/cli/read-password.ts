import { createInterface } from 'node:readline';
import { AdminCliError } from './admin-arguments.js';

/**
 * A new account's password: typed twice at a prompt that does not echo it when standard input is
 * a terminal, else the first line of standard input (a pipe, a file, a secret manager's output).
 * The prompts go to standard error, so standard output holds only the result.
 */
export async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const password = await promptHidden('Password of the new organizer: ');
    if ((await promptHidden('The same again: ')) !== password) {
      throw new AdminCliError('The two passwords differ; nothing was created.');
    }
    return password;
  }
  const line = await firstLine();
  if (line === undefined) {
    throw new AdminCliError('No password on standard input; nothing was created.');
  }
  return line;
}

async function firstLine(): Promise<string | undefined> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
    process.stdin.destroy();
  }
}

/** Raw mode: each key arrives as typed and nothing is echoed; Enter ends, Ctrl-C cancels. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = () => {
      input.off('data', onKeys);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onKeys = (keys: string) => {
      for (const key of keys) {
        if (key === '\r' || key === '\n' || key === '\u0004') {
          finish();
          return resolve(typed.join(''));
        }
        if (key === '\u0003') {
          finish();
          return reject(new AdminCliError('Cancelled; nothing was changed.'));
        }
        typed = key === '\u007f' || key === '\b' ? typed.slice(0, -1) : [...typed, key];
      }
    };
    input.on('data', onKeys);
  });
}
