// Scenario 3: the API (`npm run start:prod`'s command) against the already-migrated database, from spawn to the first
// 200 from /api/health. Each start is a new process (V8 compiles everything again; the operating
// system's file cache is warm, as on any restart).
import { median } from './measure.mjs';

/** `newServer()` returns an unstarted API ChildServer and its health URL. */
export async function measureColdStarts({ newServer, runs, pollIntervalMs, timeoutMs }) {
  const startsMs = [];
  for (let run = 0; run < runs; run++) {
    const { server, healthUrl } = await newServer(run);
    let startMs;
    let stopped;
    try {
      server.start();
      startMs = await server.waitUntilHealthy(healthUrl, { intervalMs: pollIntervalMs, timeoutMs });
    } finally {
      stopped = await server.stop();
    }
    if (stopped.code !== 0) {
      throw new Error(`the API exited with ${stopped.code ?? stopped.signal} on SIGTERM`);
    }
    startsMs.push(startMs);
  }
  return {
    startsMs,
    medianMs: median(startsMs),
    minMs: Math.min(...startsMs),
    maxMs: Math.max(...startsMs),
  };
}
