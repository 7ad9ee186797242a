// The security headers in a real browser (Debian's Chromium): the page loads and runs its modules under the
// Content-Security-Policy without a violation, and a page that tries to frame it is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/index.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { launchBrowser } from './world.js';

let browser: Browser;
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  // No model is needed for the page itself: an empty models folder, no tokens.
  dir = mkdtempSync(join(tmpdir(), 'sp-e2e-headers-'));
  server = await startServer({ host: '127.0.0.1', port: 0, modelsDir: dir, loader: loadBundle, tokens: [], auditLogFile: null, watch: false });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('security headers in the browser', () => {
  it('serves the page with its headers, and the page runs under the policy without a violation', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const response = await page.goto(server.url);
      const headers = response!.headers();
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      // The ES modules from /assets/ ran: the page filled in its texts and shows the sign-in form.
      await page.getByLabel('Access token').waitFor();
      expect(await page.locator('[data-i18n="signIn"]').first().textContent()).toBe('Sign in');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses to be framed by another page', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const messages: string[] = [];
      page.on('console', (m) => messages.push(m.text()));
      await page.setContent(`<!doctype html><iframe id="f" src="${server.url}/" width="400" height="300"></iframe>`);
      await expect.poll(() => messages.some((m) => m.includes("frame-ancestors 'none'")), { timeout: 5000 }).toBe(true);
      // Nothing of the page is rendered inside the frame.
      const framed = page.frames().find((f) => f !== page.mainFrame());
      const text = framed === undefined ? '' : ((await framed.locator('body').textContent({ timeout: 1000 }).catch(() => '')) ?? '');
      expect(text).not.toContain('Sign in');
    } finally {
      await context.close();
    }
  });
});
