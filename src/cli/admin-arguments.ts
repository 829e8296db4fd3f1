import { parseArgs } from 'node:util';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../common/http/validation.js';
import { RegisterInput } from '../modules/auth/dto/register.input.js';

export type AdminCommand =
  | { action: 'create'; email: string; name: string | undefined }
  | { action: 'demote'; email: string };

/** What the operator must do differently; printed as it is, without a stack trace. */
export class AdminCliError extends Error {}

const USAGE = `Usage:
  npm run admin:create -- --email <email> [--name <name>]
      makes the account ADMIN; with no account of that email, creates one (--name needed,
      the password is asked for, or read from standard input when it is not a terminal)
  npm run admin:demote -- --email <email>
      makes the account USER again (never the last ADMIN)`;

const PASSWORD_REFUSED =
  'A password is never an argument: every user of this machine can read arguments (ps), and ' +
  'shells keep them in their history. Leave --password out and type it at the prompt, or pipe ' +
  'it in: printf "%s\\n" "$PASSWORD" | npm run admin:create -- --email ... --name ...';

/** Reads the command line (`create` or `demote` first, as the npm scripts put it). */
export function parseAdminArguments(args?: string[]): AdminCommand {
  const { tokens } = parseArgs({ args, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((token) => token.kind === 'option' && /^(password|p)$/i.test(token.name))) {
    throw new AdminCliError(PASSWORD_REFUSED);
  }
  const { values, positionals } = parseStrictly(args);
  const [action, ...extra] = positionals;
  if ((action !== 'create' && action !== 'demote') || extra.length > 0) {
    throw new AdminCliError(USAGE);
  }
  if (values.email === undefined) throw new AdminCliError(`--email is required.\n\n${USAGE}`);
  const problems = signUpProblems({ email: values.email });
  if (problems.length > 0) throw new AdminCliError(problems.join('\n'));
  return action === 'create'
    ? { action, email: values.email, name: values.name }
    : { action, email: values.email };
}

/** Unknown options and missing values are refused, with the usage. */
function parseStrictly(args: string[] | undefined) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { email: { type: 'string' }, name: { type: 'string' } },
    });
  } catch (error) {
    throw new AdminCliError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

/**
 * The rules of sign-up (RegisterInput) for the fields given: an organizer made here could have
 * registered with the same email, name and password.
 */
export function signUpProblems(fields: { email: string; name?: string; password?: string }) {
  const input = plainToInstance(RegisterInput, fields);
  return flattenValidationErrors(validateSync(input, { skipMissingProperties: true })).map(
    ({ field, message }) => `${field} ${message}`,
  );
}
