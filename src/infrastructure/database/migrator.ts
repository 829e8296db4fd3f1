// The one implementation lives in scripts/prisma/migrator.mjs, so that `npm run prisma:deploy` runs
// the very code the app runs at start, with plain Node and no build. This path assumes the build's
// rootDir is src (dist/infrastructure/database/ sits as deep as src/infrastructure/database/), and
// the runtime image must ship scripts/prisma/migrator.mjs.
export {
  applyMigrations,
  MigrationError,
  withMigrationLock,
} from '../../../scripts/prisma/migrator.mjs';
export type { ApplyMigrationsOptions } from '../../../scripts/prisma/migrator.mjs';
