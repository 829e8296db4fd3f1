// Prisma's schema engine, from the npm package @prisma/schema-engine-wasm, driven through
// @prisma/adapter-pg: the native engine `prisma migrate` wants cannot be downloaded here.
// Only `diff` between two schema files is used. The engine's shadow-database and apply paths go
// through adapter-pg's executeScript, which splits scripts on every ";" and so breaks on
// plpgsql bodies; migrator.mjs applies migrations instead.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const NO_FILTERS = { externalTables: [], externalEnums: [] };

let gluePromise;

// Node 20 cannot import .wasm as an ES module (the package's own entry does), so the Wasm module
// is instantiated by hand against the package's JS glue, whose version must match it exactly.
function loadGlue() {
  gluePromise ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve(
      '@prisma/schema-engine-wasm/schema_engine_bg',
    );
    const glue = await import(pathToFileURL(gluePath).href);
    const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
    // The Rust panic hook reports here; without it a panic surfaces as a bare "unreachable".
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message) => console.error(`schema engine panicked: ${message}`),
    };
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return glue;
  })();
  return gluePromise;
}

/**
 * Opens the engine. It needs a live PostgreSQL even for a file-to-file diff: on start it reads the
 * server version (nothing else, and it writes nothing).
 */
export async function openSchemaEngine(databaseUrl, { debug = () => {} } = {}) {
  const glue = await loadGlue();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  try {
    const engine = await glue.SchemaEngine.new({ datamodels: undefined }, debug, factory);
    return {
      engine,
      version: () => glue.version(),
      async close() {
        engine.free();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

/**
 * The SQL that turns `from` into `to`, each a list of `{ path, content }` schema files, or null for
 * an empty database. Returns null when there is nothing to change.
 */
export async function diffSchemas(engine, from, to) {
  const target = (files) => (files ? { tag: 'schemaDatamodel', files } : { tag: 'empty' });
  const result = await engine.diff({
    from: target(from),
    to: target(to),
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  });
  // With exitCode requested the engine answers 2 for a non-empty diff, 0 for none.
  return result.exitCode === 2 ? result.stdout : null;
}
