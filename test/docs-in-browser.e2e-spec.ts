import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The machine's Chromium or Chrome; GitHub's runners have Chrome (ci.yml sets CHROMIUM_PATH). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Any name but localhost: browsers treat http://localhost as secure, which hides the problem. */
const HOST_NAME = 'eventflow.test';

/**
 * The Swagger UI in a real browser, over plain HTTP, on a host name that is not localhost: the
 * API's Content-Security-Policy has `upgrade-insecure-requests`, which on /docs would send the
 * browser to https for the UI's own scripts and leave the page blank.
 */
describe('/docs in headless Chromium over plain HTTP (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    // A missing browser fails the file, never skips it: the UI would go untested unnoticed.
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (as root), or set CHROMIUM_PATH to a Chromium or Chrome, then run this test again`,
      );
    }
    db = await createTestDatabase();
    api = await startTestApp(db);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://${HOST_NAME}:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
  });

  it('renders the operations, fetching nothing over https and breaking no policy', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    const failed: string[] = [];
    const messages: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('requestfailed', (request) =>
      failed.push(`${request.url()}: ${request.failure()?.errorText}`),
    );
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    // Before any script of the page runs, so no violation goes unseen. Page code as text: this
    // file is compiled for Node, without the DOM's types.
    await page.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (event) =>
          window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));`,
    });

    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);

    // The UI built the operations list from the document: it ran, styled and complete.
    const createOrder = page.locator('.opblock-summary', { hasText: '/api/orders' }).filter({
      has: page.locator('.opblock-summary-method', { hasText: 'POST' }),
    });
    await createOrder.first().waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(40);
    expect(await page.title()).toBe('EventFlow API');

    const violations = await page.evaluate<string[]>('window.cspViolations');
    expect(violations).toEqual([]);
    expect(messages.filter((line) => /Content Security Policy|Refused to/i.test(line))).toEqual([]);
    expect(requested.filter((url) => url.startsWith('https:'))).toEqual([]);
    expect(
      requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:')),
    ).toEqual([]);
    expect(failed).toEqual([]);
    // The rest of the strict policy is still there.
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    await page.close();
  });

  it('keeps upgrade-insecure-requests on every other answer: the API and the document', async () => {
    for (const path of ['/api/health', '/api/events', '/docs-json', '/api/no-such-route']) {
      const res = await fetch(`http://127.0.0.1:${new URL(origin).port}${path}`);
      expect([path, res.headers.get('content-security-policy')]).toEqual([
        path,
        expect.stringContaining('upgrade-insecure-requests'),
      ]);
    }
  });
});
