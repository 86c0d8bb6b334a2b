import { findButton } from '../page/render-blocks.js';
import type { InteractionDeps, InteractionOutcome } from './sandbox-interactions.js';
import { isRecord } from './web-api-params.js';
import type { SandboxUser } from './workspace-types.js';

/** What the page typed into a modal: block_id → action_id → Slack's value object. */
export type ModalValues = Record<string, Record<string, Record<string, unknown>>>;

/**
 * A modal submitted on the page, sent as Slack sends `view_submission`, and the app's answer applied
 * as Slack applies it: an empty ack closes the modal, `errors` shows under the fields, `update`
 * replaces the modal, `clear` closes it.
 */
export async function submitModal(
  deps: InteractionDeps,
  input: { user: SandboxUser; viewId: string; values: ModalValues },
): Promise<InteractionOutcome & { closed?: boolean }> {
  const { store } = deps;
  const open = store.state.views.find(
    (v) => v.kind === 'modal' && v.id === input.viewId && v.user === input.user.id,
  );
  if (open === undefined || open.closed) return { ok: false, error: 'button_not_found' };
  const answer = await deps.sender.viewSubmission({
    teamId: store.team.id,
    userId: input.user.id,
    userName: input.user.name,
    apiAppId: store.bot.appId,
    triggerId: store.issueTrigger(input.user.id),
    view: open.view,
    viewId: open.id,
    values: input.values,
  });
  if (!answer.ok) {
    open.errors = { '': `The app did not respond (${answer.error}).` };
    store.notifyView(input.user.id);
    return answer;
  }
  let reply: unknown = null;
  try {
    reply = answer.body.trim() === '' ? null : JSON.parse(answer.body);
  } catch {
    reply = null;
  }
  const action = isRecord(reply) ? reply.response_action : undefined;
  if (action === 'errors' && isRecord(reply) && isRecord(reply.errors)) {
    open.errors = Object.fromEntries(Object.entries(reply.errors).map(([k, v]) => [k, String(v)]));
  } else if (action === 'update' && isRecord(reply) && isRecord(reply.view)) {
    open.view = reply.view;
    open.errors = {};
    open.updates.push({ at: new Date(store.now()), view: reply.view });
  } else {
    open.closed = true;
  }
  store.notifyView(input.user.id);
  return { ok: true, status: answer.status, closed: open.closed };
}

/** Cancel (or Close) on the page's modal. */
export function closeModal(deps: InteractionDeps, input: { user: SandboxUser; viewId: string }): boolean {
  const open = deps.store.state.views.find(
    (v) => v.kind === 'modal' && v.id === input.viewId && v.user === input.user.id,
  );
  if (open === undefined) return false;
  open.closed = true;
  deps.store.notifyView(input.user.id);
  return true;
}

/** The page's Home tab was opened: Slack sends `app_home_opened`. */
export async function openHome(deps: InteractionDeps, user: SandboxUser): Promise<InteractionOutcome> {
  const { store } = deps;
  const answer = await deps.sender.event({
    teamId: store.team.id,
    apiAppId: store.bot.appId,
    event: { type: 'app_home_opened', user: user.id, channel: `D${user.id.slice(1)}`, tab: 'home' },
  });
  return answer.ok ? { ok: true, status: answer.status } : answer;
}

/** A button on the Home tab: a `block_actions` whose container is the view. */
export async function clickHome(
  deps: InteractionDeps,
  input: { user: SandboxUser; actionId: string; blockId?: string; blockIndex?: number },
): Promise<InteractionOutcome> {
  const { store } = deps;
  const home = store.state.views.find((v) => v.kind === 'home' && v.user === input.user.id);
  const blocks = Array.isArray(home?.view.blocks) ? home.view.blocks : null;
  const found = blocks === null ? undefined : findButton(blocks, input);
  if (home === undefined || found === undefined) return { ok: false, error: 'button_not_found' };
  const answer = await deps.sender.blockActions({
    userId: input.user.id,
    userName: input.user.name,
    teamId: store.team.id,
    teamDomain: store.team.domain,
    channelId: `D${input.user.id.slice(1)}`,
    channelName: 'app-home',
    messageTs: '',
    actionId: input.actionId,
    blockId: found.blockId,
    responseUrl: '',
    isEphemeral: false,
    buttonText: input.actionId,
    messageText: '',
    messageBlocks: [],
    botId: store.bot.botId,
    botUserId: store.bot.userId,
    apiAppId: store.bot.appId,
    triggerId: store.issueTrigger(input.user.id),
  });
  return answer.ok ? { ok: true, status: answer.status } : answer;
}
