// Small measuring helpers shared by the scenarios.
import autocannon from 'autocannon';

/** Runs autocannon to completion; `onInstance` sees the running instance (for its events). */
export function runAutocannon(options, onInstance) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    onInstance?.(instance);
  });
}

/** Nearest-rank percentile of unsorted durations (ms). */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return percentile(values, 50);
}

/** Status-code counts from an autocannon result, as {201: n, 409: n, ...}. */
export function statusCounts(result) {
  return Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]),
  );
}
