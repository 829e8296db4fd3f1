import { Resvg } from '@resvg/resvg-js';
import jsQRModule from 'jsqr';
import type { TestDatabase } from './test-database.js';
import { waitUntil } from './redis-server.js';

/**
 * True once every outbox row is dispatched and no email job is left to run (a job that used all
 * its attempts no longer counts): what was going to be sent has been.
 */
export async function emailsSettled(db: TestDatabase): Promise<boolean> {
  const { rows } = await db.sql.query<{ undispatched: number; pending: number }>(
    `SELECT (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL)::int AS undispatched,
            (SELECT count(*) FROM graphile_worker.jobs
              WHERE task_identifier LIKE 'email:%' AND attempts < max_attempts)::int AS pending`,
  );
  return rows[0].undispatched === 0 && rows[0].pending === 0;
}

export function waitForEmailsSettled(db: TestDatabase, timeoutMs = 30_000): Promise<void> {
  return waitUntil(() => emailsSettled(db), timeoutMs, 100);
}

/** Reads a QR code PNG back to its text (resvg draws it, jsqr reads the pixels). */
export function decodeQrPng(png: Buffer): string | undefined {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">` +
    `<rect width="400" height="400" fill="#fff"/>` +
    `<image href="data:image/png;base64,${png.toString('base64')}" width="400" height="400"/></svg>`;
  const image = new Resvg(svg).render();
  // jsqr is CommonJS with a `default` property that is the function itself.
  return jsQRModule.default(new Uint8ClampedArray(image.pixels), image.width, image.height)?.data;
}

/** The `src` of every `<img>` of an HTML part. */
export function imageSources(html: string): string[] {
  return [...html.matchAll(/<img\b[^>]*?\ssrc\s*=\s*["']?([^"'\s>]+)/gi)].map((match) => match[1]);
}
