// The two baselines of scenario 1, run from this process against the same database, each with
// the same number of concurrent buyers as the API gets connections and a pool as large as the
// API's:
//   A, the limit: the bare conditional decrement through `pg`, no HTTP, no framework.
//   B, the naive design: an interactive Prisma transaction, SELECT ... FOR UPDATE, then update,
//      then insert the order and its item, as many tutorials write it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PRISMA_CLIENT } from './config.mjs';
import { startCpuAccounting } from './cpu.mjs';
import { percentile } from './measure.mjs';

const MAX_ERRORS = 100;

/**
 * `workers` concurrent loops, each calling `attempt(index)` until it reports sold out (false).
 * An attempt that throws is counted and retried; too many failures stop the run.
 */
async function runWorkers(workers, attempt) {
  const durations = [];
  let held = 0;
  let errors = 0;
  let firstError;
  let lastHeldAt;
  let next = 0;
  const cpuUsed = startCpuAccounting();
  const startedAt = performance.now();
  const worker = async () => {
    for (;;) {
      const begin = performance.now();
      let outcome;
      try {
        outcome = await attempt(next++);
      } catch (error) {
        errors++;
        firstError ??= error;
        if (errors > MAX_ERRORS) {
          throw new Error(`${errors} failures, first: ${firstError.message}`, { cause: error });
        }
        continue;
      }
      const end = performance.now();
      durations.push(end - begin);
      if (!outcome) return;
      held++;
      lastHeldAt = end;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const finishedAt = performance.now();
  const cpu = cpuUsed();
  const untilSoldOutMs = (lastHeldAt ?? finishedAt) - startedAt;
  return {
    held,
    attempts: durations.length,
    errors,
    firstError: firstError?.message,
    untilSoldOutMs,
    holdsPerSecond: held / (untilSoldOutMs / 1000),
    latency: { p50: percentile(durations, 50), p99: percentile(durations, 99) },
    cpu,
  };
}

function newPool(databaseUrl, poolSize) {
  return new pg.Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'bench' });
}

/** Opens every connection of the pool before the clock starts, as the API's are after warm-up. */
async function fillPool(pool, poolSize) {
  const clients = await Promise.all(Array.from({ length: poolSize }, () => pool.connect()));
  for (const client of clients) client.release();
}

/** Baseline A: `UPDATE ... SET available = available - 1 WHERE id = $1 AND available >= 1`. */
export async function conditionalDecrement({ databaseUrl, poolSize, workers, ticketTypeId }) {
  const pool = newPool(databaseUrl, poolSize);
  try {
    await fillPool(pool, poolSize);
    return await runWorkers(workers, async () => {
      const result = await pool.query(
        'UPDATE ticket_types SET available = available - 1 WHERE id = $1 AND available >= 1',
        [ticketTypeId],
      );
      return result.rowCount === 1;
    });
  } finally {
    await pool.end();
  }
}

/**
 * For context, not a target: the API's own hold statement, `eventflow_hold_order` (rules, the
 * conditional decrement, the order and its item, in one round trip), sent over `pg` with no HTTP.
 * The gap between it and the API is what HTTP, Nest and the request pipeline cost.
 */
export async function holdFunction({
  databaseUrl,
  poolSize,
  workers,
  ticketTypeId,
  buyerIds,
  holdSeconds,
}) {
  const pool = newPool(databaseUrl, poolSize);
  try {
    await fillPool(pool, poolSize);
    return await runWorkers(workers, async (index) => {
      const { rows } = await pool.query(
        'SELECT eventflow_hold_order($1::uuid, $2::uuid, $3::uuid[], $4::int[], $5::int) AS outcome',
        [randomUUID(), buyerIds[index % buyerIds.length], [ticketTypeId], [1], holdSeconds],
      );
      const { outcome } = rows[0].outcome;
      if (outcome === 'HELD') return true;
      if (outcome === 'SOLD_OUT') return false;
      throw new Error(`eventflow_hold_order answered ${outcome}`);
    });
  } finally {
    await pool.end();
  }
}

class SoldOut extends Error {}

let PrismaClient;
/** The generated client from the build (imported late: it exists only after `npm run build`). */
async function prismaClientClass() {
  PrismaClient ??= (await import(pathToFileURL(PRISMA_CLIENT).href)).PrismaClient;
  return PrismaClient;
}

/**
 * Baseline B: the tutorial hold. The row lock taken by FOR UPDATE is held across every round trip
 * and every await until COMMIT. The transaction's maxWait and timeout are raised from Prisma's
 * defaults (2 s, 5 s) so that 200 waiting buyers queue instead of failing: this measures the
 * design's throughput, not its timeouts.
 */
export async function interactiveTransaction({
  databaseUrl,
  poolSize,
  workers,
  ticketTypeId,
  buyerIds,
  holdSeconds,
}) {
  const Client = await prismaClientClass();
  const pool = newPool(databaseUrl, poolSize);
  const prisma = new Client({ adapter: new PrismaPg(pool) });
  try {
    await fillPool(pool, poolSize);
    await prisma.$queryRaw`SELECT 1`;
    return await runWorkers(workers, async (index) => {
      const userId = buyerIds[index % buyerIds.length];
      try {
        await prisma.$transaction(
          async (tx) => {
            const [type] = await tx.$queryRaw`
              SELECT t.available, t.name, t.price_cents, t.event_id, e.currency
                FROM ticket_types t JOIN events e ON e.id = t.event_id
               WHERE t.id = ${ticketTypeId}::uuid
                 FOR UPDATE OF t`;
            if (type.available < 1) throw new SoldOut();
            await tx.ticketType.update({
              where: { id: ticketTypeId },
              data: { available: { decrement: 1 } },
            });
            await tx.order.create({
              data: {
                userId,
                eventId: type.event_id,
                status: 'PENDING',
                totalCents: type.price_cents,
                currency: type.currency,
                expiresAt: new Date(Date.now() + holdSeconds * 1000),
                items: {
                  create: {
                    ticketTypeId,
                    name: type.name,
                    quantity: 1,
                    unitPriceCents: type.price_cents,
                  },
                },
              },
              select: { id: true },
            });
          },
          { maxWait: 60_000, timeout: 60_000 },
        );
        return true;
      } catch (error) {
        if (error instanceof SoldOut) return false;
        throw error;
      }
    });
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}

/** Baseline A has no orders: its stock is right when every decrement took exactly one ticket. */
export async function verifyDecrements(sql, ticketTypeId, decrements) {
  const { rows } = await sql.query('SELECT capacity, available FROM ticket_types WHERE id = $1', [
    ticketTypeId,
  ]);
  const { capacity, available } = rows[0];
  const problems = [];
  const oversell = Math.max(0, decrements - capacity);
  if (oversell > 0) problems.push(`OVERSELL: ${decrements} decrements of ${capacity}`);
  if (available !== capacity - decrements) {
    problems.push(`available ${available} != capacity ${capacity} - ${decrements} decrements`);
  }
  if (available !== 0) problems.push(`available is ${available}, expected 0`);
  return { capacity, available, oversell, problems };
}
