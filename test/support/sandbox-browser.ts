import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { type Sandbox, type StartSandboxOptions, startSandbox } from '../../src/sandbox/start-sandbox.js';
import { TEST_PG_ADMIN_URL } from './test-database.js';
import { TEST_REDIS_URL } from './test-redis.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];

/**
 * A sandbox of its own for a page test (databases, queue prefix and work directory named after a random
 * suffix, removed on stop), fast enough for a browser test: one-second comparisons, a low request
 * floor, 60 requests/s; the rest as the test says.
 */
export function startTestSandbox(
  options: Omit<StartSandboxOptions, 'databaseUrl' | 'redisUrl'>,
): Promise<Sandbox> {
  return startSandbox({
    databaseUrl: TEST_PG_ADMIN_URL,
    redisUrl: TEST_REDIS_URL,
    port: 0,
    name: `e2e_${randomBytes(4).toString('hex')}`,
    intervalSeconds: 1,
    minRequests: 2,
    loadRate: 60,
    removeOnStop: true,
    ...options,
  });
}

/** Headless Debian Chromium for the sandbox page tests. */
export async function openSandboxPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  return { browser, page };
}

/**
 * Runs one step of a page test; on failure saves a screenshot and what the sandbox saw (the run, its
 * audit log, ephemerals and response_url replies) to test-results/ before failing.
 */
export async function sandboxStep(
  prefix: string,
  name: string,
  context: { page: Page; sandbox: Sandbox; runId: string },
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    const { page, sandbox, runId } = context;
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: `test-results/${prefix}-${name}.png`, fullPage: true }).catch(() => {});
    const seen = {
      run: await sandbox.composition.store.runs.getRun(runId).catch(() => null),
      events: await sandbox.composition.store.events.listEvents(runId).catch(() => []),
      ephemerals: sandbox.workspace.ephemerals(),
      responses: sandbox.workspace.responses().map((r) => ({ id: r.id, at: r.at, body: r.body })),
    };
    await writeFile(`test-results/${prefix}-${name}.json`, JSON.stringify(seen, null, 2)).catch(() => {});
    throw error;
  }
}

/** Clicks Approve on a gate message, confirming when the button asks to. */
export async function approveOnPage(page: Page, gate: Locator): Promise<void> {
  await gate.locator('[data-action-id="gate.approve"]').click();
  const dialog = page.getByTestId('confirm-dialog');
  if (await dialog.isVisible()) await page.getByTestId('confirm-ok').click();
}
