import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type BlockAction, type Logger, LogLevel, type SlashCommand } from '@slack/bolt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackWorkspace } from '../../src/sandbox/slack-workspace/start-slack-workspace.js';
import type { SlackWorkspace, YFaults } from '../../src/sandbox/slack-workspace/workspace-types.js';

const SECRET = 'sandbox-page-secret';
const CH = 'C0SANDBOX1';
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let ws: SlackWorkspace;
let app: App;
let server: Server;
let botUrl = '';
let browser: Browser;
let page: Page;
const commands: SlashCommand[] = [];
const clicks: BlockAction[] = [];
let faults: YFaults = { errorRatio: 0, addedLatencyMs: 0 };

/** Runs a step; on failure saves a screenshot to test-results/ before failing. */
async function step(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: `test-results/sandbox-page-${name}.png`, fullPage: true }).catch(() => {});
    throw error;
  }
}

beforeAll(async () => {
  ws = await startSlackWorkspace({
    page: {
      botUrl: () => botUrl,
      signingSecret: SECRET,
      controls: {
        async setYFaults(f) {
          faults = f;
        },
        async status() {
          return { split: { x: 75, y: 25 }, rates: { x: 30, y: 10 }, faults };
        },
      },
    },
  });
  // A tiny real bot: Bolt verifies the signatures, answers the command and posts a gate with a confirm.
  app = new App({
    token: ws.botToken,
    signingSecret: SECRET,
    botId: 'B0TEST',
    botUserId: 'U0BOT',
    logger: quiet,
    clientOptions: { slackApiUrl: ws.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/kong-upgrade', async ({ command, ack, client }) => {
    commands.push(command);
    await ack({ response_type: 'ephemeral', text: `:white_check_mark: Starting *${command.text}*` });
    await client.chat.postMessage({
      channel: command.channel_id,
      text: 'prod-1: shift 25 % to Y',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'prod-1: shift to 25 %' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `Requested by <@${command.user_id}>` },
          fields: [
            { type: 'mrkdwn', text: '*5xx*\n0.1 %' },
            { type: 'mrkdwn', text: '*p95*\n`120 ms`' },
          ],
        },
        { type: 'divider' },
        {
          type: 'actions',
          block_id: 'gate.g1',
          elements: [
            {
              type: 'button',
              action_id: 'gate.approve',
              style: 'primary',
              value: 'g1',
              text: { type: 'plain_text', text: 'Approve' },
              confirm: {
                title: { type: 'plain_text', text: 'Are you sure?' },
                text: { type: 'plain_text', text: 'Shift 25 % of traffic to Y' },
                confirm: { type: 'plain_text', text: 'Yes, shift' },
                deny: { type: 'plain_text', text: 'Cancel' },
              },
            },
            {
              type: 'button',
              action_id: 'gate.reject',
              style: 'danger',
              value: 'g1',
              text: { type: 'plain_text', text: 'Reject' },
            },
          ],
        },
      ] as never,
    });
  });
  app.action(/^gate\./, async ({ ack, body, client, respond }) => {
    await ack();
    const click = body as BlockAction;
    clicks.push(click);
    const ts = click.container.message_ts as string;
    await respond({ replace_original: true, text: `:white_check_mark: Approved by <@${click.user.id}>` });
    await client.chat.postMessage({ channel: CH, thread_ts: ts, text: 'Shifting to 25 % …' });
  });
  server = (await app.start(0)) as Server;
  botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await ws?.close();
});

describe('the sandbox page in Chromium', () => {
  it('sends a typed command and a confirmed Approve click to the bot, signed, as the selected user', async () => {
    await step('load', async () => {
      await page.goto(`${ws.url}/sandbox?user=U0SBREQ`);
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
      await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
      expect(await page.getByTestId('channel-name').textContent()).toBe('#kong-upgrades');
      expect(await page.getByTestId('user-picker').inputValue()).toBe('U0SBREQ');
    });

    await step('command', async () => {
      await page.getByTestId('command-input').fill('/kong-upgrade start prod');
      await page.getByTestId('command-send').click();
      const ack = page.getByTestId('message').filter({ hasText: 'Only visible to you' });
      await ack.waitFor();
      expect(await ack.textContent()).toContain('✅ Starting start prod');
      expect(commands.map((c) => [c.user_id, c.channel_id, c.text])).toEqual([['U0SBREQ', CH, 'start prod']]);
      // The gate arrives live (SSE), rendered from Block Kit.
      const gate = page.getByTestId('message').filter({ hasText: 'prod-1: shift to 25 %' });
      await gate.waitFor();
      expect(await gate.textContent()).toContain('Requested by @riley');
      expect(await gate.locator('.blk-fields b').allTextContents()).toEqual(['5xx', 'p95']);
      expect(await gate.locator('[data-action-id="gate.approve"]').getAttribute('class')).toContain(
        'btn-primary',
      );
    });

    await step('ephemeral-per-user', async () => {
      await page.getByTestId('user-picker').selectOption('U0SBAPP');
      await page
        .getByTestId('message')
        .filter({ hasText: 'Only visible to you' })
        .waitFor({ state: 'detached' });
      expect(await page.getByTestId('message').count()).toBe(1);
    });

    await step('confirm-cancel', async () => {
      await page.locator('[data-action-id="gate.approve"]').click();
      const dialog = page.getByTestId('confirm-dialog');
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('Shift 25 % of traffic to Y');
      expect(await page.getByTestId('confirm-ok').textContent()).toBe('Yes, shift');
      await page.getByTestId('confirm-cancel').click();
      await dialog.waitFor({ state: 'hidden' });
      expect(clicks).toHaveLength(0);
    });

    await step('approve', async () => {
      await page.locator('[data-action-id="gate.approve"]').click();
      await page.getByTestId('confirm-ok').click();
      const approved = page.getByTestId('message').filter({ hasText: 'Approved by @alex' });
      await approved.waitFor();
      expect(clicks).toHaveLength(1);
      expect(clicks[0]?.user.id).toBe('U0SBAPP');
      expect(clicks[0]?.actions[0]).toMatchObject({ action_id: 'gate.approve', value: 'g1' });
      expect(await approved.textContent()).toContain('(edited)');
      await approved.getByTestId('thread-link').filter({ hasText: '1 reply' }).click();
      const pane = page.getByTestId('thread-pane');
      await pane.getByText('Shifting to 25 %').waitFor();
    });
  });

  it('shows the split and rates, and sends fault settings for Y', async () => {
    await step('controls', async () => {
      const split = page.getByTestId('split-display');
      await split.filter({ hasText: 'X 75 % · Y 25 %' }).waitFor();
      expect(await page.getByTestId('rate-display').textContent()).toBe('X 30.0 req/s · Y 10.0 req/s');
      await page.getByTestId('fault-error-ratio').fill('20');
      await page.getByTestId('fault-latency').fill('250');
      await page.getByTestId('fault-apply').click();
      await page.getByTestId('fault-display').filter({ hasText: '20 % 5xx, +250 ms' }).waitFor();
      expect(faults).toEqual({ errorRatio: 0.2, addedLatencyMs: 250 });
    });
  });

  it('reports an unknown command locally without calling the bot', async () => {
    await step('bad-command', async () => {
      await page.getByTestId('command-input').fill('/deploy now');
      await page.getByTestId('command-send').click();
      await page.getByTestId('status-line').filter({ hasText: '/deploy is not a valid command' }).waitFor();
      expect(commands).toHaveLength(1);
    });
  });
});
