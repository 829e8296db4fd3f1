import pg from 'pg';

/**
 * Counts the SQL statements the application sends (its pool connects as application_name
 * "eventflow"; the test's own assertion pool does not), to prove a route's query count is fixed.
 */
export async function countAppQueries(work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const original = pg.Client.prototype.query;
  const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const parameters = (this as unknown as { connectionParameters?: { application_name?: string } })
      .connectionParameters;
    if (parameters?.application_name === 'eventflow') count += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return count;
}
