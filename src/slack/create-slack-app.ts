import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, type BlockButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { APPROVE_ACTION, REJECT_ACTION } from './blocks/gate-blocks.js';
import {
  noticeView,
  REASON_MODAL,
  readReasonSubmission,
  reasonModalView,
} from './blocks/reason-modal-view.js';
import { CARD_ACTIONS } from './blocks/run-card-blocks.js';
import {
  HOME_START_ACTION,
  readStartSubmission,
  START_MODAL,
  START_SHORTCUT,
  type StartModalEnvironment,
  startModalView,
} from './blocks/start-modal-view.js';
import { createBoltLogger } from './bolt-logger.js';
import type { CommandInput, CommandReply } from './commands/command-context.js';
import type { GateClickInput, GateClickReply } from './handle-gate-click.js';
import type { HomeTab } from './home-tab.js';
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
  /** The start modal's choices; `channel` is `slack.channel` from the config (null: the command's). */
  start?: { environments: StartModalEnvironment[]; channel: string | null };
  /** The App Home tab; without it `app_home_opened` is ignored. */
  homeTab?: HomeTab;
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

  const startChoices = options.start;
  /** Opens the start form; false when Slack refused (the trigger expired, say). */
  const openStart = async (client: WebClient, triggerId: string, channel: string | null) => {
    if (!startChoices) return false;
    return client.views
      .open({
        trigger_id: triggerId,
        view: startModalView({
          environments: startChoices.environments,
          channel: startChoices.channel ?? channel,
        }) as never,
      })
      .then(() => true)
      .catch((err: Error) => {
        log.warn({ err: err.message }, 'start form could not be opened');
        return false;
      });
  };

  app.command(COMMAND_NAME, async ({ command, ack, respond, client }) => {
    const started = process.hrtime.bigint();
    const input = { text: command.text ?? '', userId: command.user_id, channelId: command.channel_id };
    // `start` alone opens the start form; the form's submission is the typed command.
    if (startChoices && /^\s*start\s*$/i.test(input.text) && command.trigger_id) {
      await ack({
        response_type: 'ephemeral',
        text: 'Opening the start form… (or type `/kong-upgrade start <environment> [--steps 5,25,50,100] [--dry-run]`)',
      });
      options.onAck?.(Number(process.hrtime.bigint() - started) / 1e9, 'command');
      if (!(await openStart(client, command.trigger_id, input.channelId)))
        await respond({
          response_type: 'ephemeral',
          text: 'The start form could not be opened. Type `/kong-upgrade start <environment> [--steps 5,25,50,100] [--dry-run]` instead.',
        }).catch(() => undefined);
      return;
    }
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
  app.action<BlockButtonAction>({ type: 'block_actions' }, async ({ ack, body, respond, client }) => {
    const started = process.hrtime.bigint();
    const actionId: unknown = body.actions?.[0]?.action_id;
    if (actionId === HOME_START_ACTION) {
      await ack();
      const trigger: unknown = (body as { trigger_id?: unknown }).trigger_id;
      if (typeof trigger === 'string') await openStart(client, trigger, null);
      return;
    }
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
    const triggerId: unknown = (body as { trigger_id?: unknown }).trigger_id;
    if (reply.reasonNeeded && typeof triggerId === 'string' && triggerId !== '') {
      // The decision waits for the modal's submission; the trigger lives 3 s, so open it right away.
      const opened = await client.views
        .open({ trigger_id: triggerId, view: reasonModalView(reply.reasonNeeded) as never })
        .then(() => true)
        .catch((err: Error) => {
          log.warn({ err: err.message }, 'reason modal could not be opened');
          return false;
        });
      if (opened) return;
    }
    if (reply.ephemeral) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: reply.ephemeral }).catch(
        (err: Error) => log.warn({ err: err.message }, 'ephemeral reply failed'),
      );
    }
    if (reply.after)
      await reply.after().catch((err: Error) => log.warn({ err: err.message }, 'post-ack work failed'));
  });

  // The reason modal's submission is the click that decides the gate, with the same exactly-once rules:
  // the gate row is locked while the judge decides, so a second submission finds it decided.
  app.view(REASON_MODAL, async ({ ack, body, view }) => {
    const started = process.hrtime.bigint();
    const read = readReasonSubmission(view);
    const userId: unknown = body.user?.id;
    if (!read.ok || typeof userId !== 'string') {
      if (read.ok || Object.keys(read.errors).length === 0) {
        log.warn('reason form without a user or a gate ignored');
        await ack({
          response_action: 'update',
          view: noticeView(
            'Nothing changed',
            'That form does not belong to an approval the bot knows. Nothing changed.',
          ) as never,
        });
      } else await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const reply = await options.handleGateClick({
      userId,
      action: read.action,
      gateId: read.gateId,
      reason: read.reason,
    });
    if (reply.ephemeral) {
      await ack({ response_action: 'update', view: noticeView('Kong upgrade', reply.ephemeral) as never });
    } else await ack();
    options.onAck?.(Number(process.hrtime.bigint() - started) / 1e9, 'action');
    if (reply.after)
      await reply.after().catch((err: Error) => log.warn({ err: err.message }, 'post-ack work failed'));
  });

  app.shortcut(START_SHORTCUT, async ({ ack, shortcut, client }) => {
    await ack();
    await openStart(client, shortcut.trigger_id, null);
  });

  // The start form's submission: the same command, rules and replies as typing it.
  app.view(START_MODAL, async ({ ack, body, view, client }) => {
    const started = process.hrtime.bigint();
    const read = readStartSubmission(view, startChoices?.environments.map((e) => e.name) ?? []);
    const userId: unknown = body.user?.id;
    if (!read.ok || typeof userId !== 'string') {
      await ack({ response_action: 'errors', errors: read.ok ? {} : read.errors });
      return;
    }
    const reply = await options.handleCommand({ text: read.text, userId, channelId: read.channelId });
    const said = typeof reply.ack.text === 'string' && reply.ack.text !== '' ? reply.ack.text : 'Done.';
    await ack({ response_action: 'update', view: noticeView('Kong upgrade', said) as never });
    options.onAck?.(Number(process.hrtime.bigint() - started) / 1e9, 'command');
    if (reply.after)
      await reply.after().catch((err: Error) => log.warn({ err: err.message }, 'post-ack work failed'));
    if (reply.followUp) {
      const text = await reply.followUp().catch(() => null);
      if (text)
        await client.views
          .update({ view_id: view.id, view: noticeView('Kong upgrade', `${said}\n\n${text}`) as never })
          .catch((err: Error) => log.warn({ err: err.message }, 'start form could not be updated'));
    }
  });

  app.event('app_home_opened', async ({ event }) => {
    if (!options.homeTab || event.tab !== 'home') return;
    await options.homeTab
      .opened(event.user)
      .catch((err: Error) => log.warn({ err: err.message }, 'App Home tab could not be shown'));
  });

  app.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: string }).code }, 'bolt error');
  });
  return app;
}
