import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, type BlockButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { APPROVE_ACTION, REJECT_ACTION } from './blocks/gate-blocks.js';
import { CARD_ACTIONS } from './blocks/run-card-blocks.js';
import { createBoltLogger } from './bolt-logger.js';
import type { CommandInput, CommandReply } from './commands/command-context.js';
import type { GateClickInput, GateClickReply } from './handle-gate-click.js';
import { COMMAND_NAME } from './usage.js';

export interface HttpRoute {
  path: string;
  method: 'GET' | 'POST';
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface SlackAppOptions {
  botToken: string;
  apiUrl: string;
  signingSecret?: string;
  /** Socket Mode when set (xapp-…); HTTP mode otherwise. */
  appToken?: string;
  /** From our own auth.test at start-up, so Bolt never calls it (and never hangs on it). */
  botId: string;
  botUserId: string;
  log: Logger;
  routes: HttpRoute[];
  port: number;
  handleCommand: (input: CommandInput) => Promise<CommandReply>;
  handleGateClick: (input: GateClickInput) => Promise<GateClickReply>;
  onAck?: (seconds: number, kind: 'command' | 'action') => void;
}

export function createSlackApp(options: SlackAppOptions): App {
  const log = options.log.child({ component: 'slack' });
  const socketMode = options.appToken !== undefined;
  const app = new App({
    token: options.botToken,
    botId: options.botId,
    botUserId: options.botUserId,
    ...(socketMode
      ? { socketMode: true, appToken: options.appToken, installerOptions: { port: options.port } }
      : { signingSecret: options.signingSecret ?? '' }),
    customRoutes: options.routes,
    // The bot keeps no per-conversation state; Bolt's default store builds an Error on every request.
    convoStore: false,
    logger: createBoltLogger(log),
    clientOptions: { slackApiUrl: options.apiUrl, timeout: 10_000, retryConfig: { retries: 3 } },
  });

  app.command(COMMAND_NAME, async ({ command, ack, respond }) => {
    const started = process.hrtime.bigint();
    const input = { text: command.text ?? '', userId: command.user_id, channelId: command.channel_id };
    const reply = await options.handleCommand(input);
    await ack(reply.ack);
    options.onAck?.(Number(process.hrtime.bigint() - started) / 1e9, 'command');
    log.debug(
      { user: input.userId, channel: input.channelId, command: input.text.split(' ')[0] ?? '' },
      'command acknowledged',
    );
    if (reply.after) {
      await reply.after().catch((err: Error) => log.warn({ err: err.message }, 'post-ack work failed'));
    }
    if (reply.followUp) {
      const text = await reply.followUp().catch(() => null);
      if (text)
        await respond({ response_type: 'ephemeral', text }).catch((err: Error) =>
          log.warn({ err: err.message }, 'follow-up reply failed'),
        );
    }
  });

  // One listener for every block_actions payload (Bolt runs each listener's chain on every request, so
  // fewer listeners make every ack cheaper). Gate buttons are decided; any other element (a stale message,
  // a forged id) is acknowledged at once instead of Bolt's 404 after 3 s.
  app.action<BlockButtonAction>({ type: 'block_actions' }, async ({ ack, body, respond }) => {
    const started = process.hrtime.bigint();
    const actionId: unknown = body.actions?.[0]?.action_id;
    const cardCommand = typeof actionId === 'string' ? CARD_ACTIONS[actionId] : undefined;
    if (cardCommand) {
      // A run card button is its command typed by the clicker: the same rules, replies and audit.
      const userId: unknown = body.user?.id;
      const runId: unknown = body.actions?.[0]?.value;
      const channelId: unknown = body.channel?.id;
      if (typeof userId !== 'string' || typeof runId !== 'string' || !/^[a-z0-9-]{1,60}$/.test(runId)) {
        await ack();
        log.warn({ actionId }, 'card button without a user or a run ignored');
        return;
      }
      const reply = await options.handleCommand({
        text: `${cardCommand} ${runId}`,
        userId,
        channelId: typeof channelId === 'string' ? channelId : '',
      });
      await ack();
      options.onAck?.(Number(process.hrtime.bigint() - started) / 1e9, 'action');
      const text = typeof reply.ack.text === 'string' ? reply.ack.text : '';
      if (text)
        await respond({ response_type: 'ephemeral', replace_original: false, text }).catch((err: Error) =>
          log.warn({ err: err.message }, 'ephemeral reply failed'),
        );
      if (reply.after)
        await reply.after().catch((err: Error) => log.warn({ err: err.message }, 'post-ack work failed'));
      return;
    }
    const action = actionId === APPROVE_ACTION ? 'approve' : actionId === REJECT_ACTION ? 'reject' : null;
    if (action === null) {
      await ack();
      return;
    }
    const userId: unknown = body.user?.id;
    const value: unknown = body.actions?.[0]?.value;
    if (typeof userId !== 'string' || typeof value !== 'string') {
      // Signed but not a click Slack would send: acknowledge and change nothing.
      await ack();
      log.warn({ action }, 'button click without a user or a value ignored');
      return;
    }
    const reply = await options.handleGateClick({ userId, action, gateId: value });
    await ack();
    options.onAck?.(Number(process.hrtime.bigint() - started) / 1e9, 'action');
    if (reply.ephemeral) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: reply.ephemeral }).catch(
        (err: Error) => log.warn({ err: err.message }, 'ephemeral reply failed'),
      );
    }
    if (reply.after)
      await reply.after().catch((err: Error) => log.warn({ err: err.message }, 'post-ack work failed'));
  });

  app.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: string }).code }, 'bolt error');
  });
  return app;
}
