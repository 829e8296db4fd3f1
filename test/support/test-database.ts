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
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
