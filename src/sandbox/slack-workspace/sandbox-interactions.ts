import { findButton } from '../page/render-blocks.js';
import type { BotAnswer, BotSender } from './send-to-bot.js';
import { isRecord } from './web-api-params.js';
import type { WorkspaceStore } from './workspace-store.js';
import type { ResponseUrlContext, SandboxUser } from './workspace-types.js';

export interface InteractionDeps {
  store: WorkspaceStore;
  sender: BotSender;
  responseUrl(context: ResponseUrlContext): string;
}

export type InteractionOutcome =
  | { ok: true; status: number }
  | { ok: false; error: 'operation_timeout' | 'dispatch_failed' | 'button_not_found'; status?: number };

/**
 * A command typed on the page, sent as Slack sends it; the ack body is shown as Slack shows it
 * (ephemeral by default, in the channel for `response_type: in_channel`), and a missing or failed ack
 * as Slackbot's "failed with the error …".
 */
export async function handleCommand(
  deps: InteractionDeps,
  input: { channel: string; user: SandboxUser; text: string; command: string },
): Promise<InteractionOutcome> {
  const { store } = deps;
  const info = store.findChannel(input.channel);
  const answer = await deps.sender.slashCommand({
    team_id: store.team.id,
    team_domain: store.team.domain,
    channel_id: input.channel,
    channel_name: info?.name ?? input.channel,
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command,
    text: input.text,
    api_app_id: store.bot.appId,
    response_url: deps.responseUrl({ channel: input.channel, userId: input.user.id }),
    trigger_id: store.issueTrigger(input.user.id),
  });
  if (!answer.ok)
    return failed(store, input, `${input.command} failed with the error "${answer.error}"`, answer);
  const reply = ackMessage(answer);
  if (reply !== undefined) {
    if (reply.inChannel) store.postMessage(input.channel, null, reply.text, reply.blocks);
    else
      store.addEphemeral({
        channel: input.channel,
        user: input.user.id,
        threadTs: null,
        text: reply.text,
        blocks: reply.blocks,
      });
  }
  return { ok: true, status: answer.status };
}

/** A button click on a message (or on one of `user`'s ephemerals), sent as a signed block_actions. */
export async function handleClick(
  deps: InteractionDeps,
  input: {
    channel: string;
    user: SandboxUser;
    ts: string;
    ephemeral: boolean;
    actionId: string;
    blockId?: string;
    blockIndex?: number;
  },
): Promise<InteractionOutcome> {
  const { store } = deps;
  const source = input.ephemeral
    ? store.state.ephemerals.find(
        (e) => e.user === input.user.id && e.ts === input.ts && e.channel === input.channel,
      )
    : store.findMessage(input.channel, input.ts);
  const found = source === undefined ? undefined : findButton(source.blocks, input);
  if (source === undefined || found === undefined) return { ok: false, error: 'button_not_found' };
  const { button, blockId } = found;
  const text =
    isRecord(button.text) && typeof button.text.text === 'string' ? button.text.text : input.actionId;
  const answer = await deps.sender.blockActions({
    userId: input.user.id,
    userName: input.user.name,
    teamId: store.team.id,
    teamDomain: store.team.domain,
    channelId: input.channel,
    channelName: store.findChannel(input.channel)?.name ?? input.channel,
    messageTs: input.ts,
    actionId: input.actionId,
    ...(typeof button.value === 'string' ? { value: button.value } : {}),
    blockId,
    responseUrl: deps.responseUrl({
      channel: input.channel,
      messageTs: input.ts,
      userId: input.user.id,
      ephemeral: input.ephemeral,
    }),
    isEphemeral: input.ephemeral,
    buttonText: text,
    ...(button.style === 'primary' || button.style === 'danger' ? { style: button.style } : {}),
    messageText: source.text,
    messageBlocks: source.blocks ?? [],
    botId: store.bot.botId,
    botUserId: store.bot.userId,
    apiAppId: store.bot.appId,
    triggerId: store.issueTrigger(input.user.id),
  });
  if (!answer.ok) {
    const threadTs = source.threadTs;
    return failed(
      store,
      { channel: input.channel, user: input.user, threadTs },
      `The app did not respond to "${text}" (${answer.error}).`,
      answer,
    );
  }
  return { ok: true, status: answer.status };
}

function failed(
  store: WorkspaceStore,
  where: { channel: string; user: SandboxUser; threadTs?: string | null },
  text: string,
  answer: Extract<BotAnswer, { ok: false }>,
): InteractionOutcome {
  store.addEphemeral({
    channel: where.channel,
    user: where.user.id,
    threadTs: where.threadTs ?? null,
    text,
    blocks: null,
    from: 'slackbot',
  });
  return {
    ok: false,
    error: answer.error,
    ...(answer.status === undefined ? {} : { status: answer.status }),
  };
}

/** The immediate reply in an ack body: a plain string, or JSON `{text, blocks, response_type}`. */
function ackMessage(
  answer: Extract<BotAnswer, { ok: true }>,
): { text: string; blocks: unknown[] | null; inChannel: boolean } | undefined {
  if (answer.body.trim() === '') return undefined;
  if (!answer.contentType.includes('json')) return { text: answer.body, blocks: null, inChannel: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return { text: answer.body, blocks: null, inChannel: false };
  }
  if (!isRecord(parsed)) return undefined;
  const text = typeof parsed.text === 'string' ? parsed.text : '';
  const blocks = Array.isArray(parsed.blocks) ? parsed.blocks : null;
  if (text === '' && (blocks === null || blocks.length === 0)) return undefined;
  return { text, blocks, inChannel: parsed.response_type === 'in_channel' };
}
