import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DomainError } from '../common/errors/domain-error.js';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { prepareDatabase } from '../infrastructure/database/prepare-database.js';
import { PrismaService } from '../infrastructure/database/prisma.service.js';
import { PasswordHasher } from '../modules/auth/password-hasher.js';
import { UserRolesService } from '../modules/users/user-roles.service.js';
import { UsersRepository } from '../modules/users/users.repository.js';
import {
  AdminCliError,
  parseAdminArguments,
  signUpProblems,
  type AdminCommand,
} from './admin-arguments.js';
import { readPassword } from './read-password.js';

/**
 * `npm run admin:create -- --email … [--name …]` makes an account an organizer (ADMIN), creating
 * it when there is none; `npm run admin:demote -- --email …` makes it a buyer (USER) again. How a
 * production deployment gets its first organizer, since the demo accounts are refused there. On
 * DATABASE_URL or the embedded database, as the server would start (pending migrations applied).
 */
async function main(): Promise<void> {
  const command = parseAdminArguments();
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig({ ...process.env, SEED_DEMO_DATA: 'false' });
  // Logs to standard error: standard output says only what was done.
  const database = await prepareDatabase(config, createLogger(config, process.stderr));
  const prisma = new PrismaService({ ...config, databaseUrl: database.url, databasePoolSize: 2 });
  try {
    const roles = new UserRolesService(new UsersRepository(prisma));
    process.stdout.write(`${await run(command, roles)}\n`);
  } finally {
    await prisma.$disconnect();
    await prisma.pool.end();
    await database.stop();
  }
}

async function run(command: AdminCommand, roles: UserRolesService): Promise<string> {
  if (command.action === 'demote') {
    const user = await roles.setRoleByEmail(command.email, 'USER');
    return `${user.email} is a USER now.`;
  }
  const existing = await roles.findByEmail(command.email);
  if (existing) {
    const user = await roles.setRole(existing.id, 'ADMIN');
    return existing.role === 'ADMIN'
      ? `${user.email} was already an ADMIN.`
      : `${user.email} is an ADMIN now.`;
  }
  if (command.name === undefined) {
    throw new AdminCliError(
      `No account has the email ${command.email}: give --name to create one.`,
    );
  }
  const password = await readPassword();
  const problems = signUpProblems({ email: command.email, name: command.name, password });
  if (problems.length > 0) throw new AdminCliError(`${problems.join('\n')}\nNothing was created.`);
  const user = await roles.createAdmin({
    email: command.email,
    name: command.name,
    passwordHash: await new PasswordHasher().hash(password),
  });
  return `Created ${user.email} (${user.name}), an ADMIN, id ${user.id}.`;
}

main().catch((error: unknown) => {
  const told = [AdminCliError, ConfigError, DomainError].some((kind) => error instanceof kind);
  process.stderr.write(
    `${told ? (error as Error).message : ((error as Error)?.stack ?? String(error))}\n`,
  );
  process.exit(1);
});
