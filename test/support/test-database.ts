import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, TEST_POSTGRES_URL } from './environment.js';
import { templateDatabaseName } from './global-setup.js';

export interface TestDatabase {
  url: string;
  /** For assertions in SQL: the tests check the database state, not only the answers. */
  sql: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, copied from the template global-setup built. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `eventflow_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabaseName()}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const sql = new pg.Pool({ connectionString: url, max: 4 });
  return {
    url,
    sql,
    drop: async () => {
      await sql.end();
      const dropper = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await dropper.connect();
      try {
        await dropWhenUnused(dropper, name);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * pg's pool.end() resolves before its sockets are closed, so the server may still count those
 * sessions for a moment. Forcing the drop then would kill them and make their clients emit errors
 * into whatever test runs next; waiting a little for them to go is clean. FORCE is the last resort.
 */
async function dropWhenUnused(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  console.warn(`Test database ${name} still had sessions after 5 s; dropping it by force`);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
