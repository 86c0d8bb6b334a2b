import type { Params } from './web-api-params.js';
import type { WorkspaceStore } from './workspace-store.js';
import type { ResponseUrlContext } from './workspace-types.js';

/**
 * What Slack does with a response_url post (slack.md §4.4), for the contexts the workspace knows:
 * replace or delete the message clicked (an ephemeral one too), post in the channel, or show an
 * ephemeral reply to the one who acted. Without a context the post is only recorded.
 */
export function applyResponseEffects(
  store: WorkspaceStore,
  ctx: ResponseUrlContext | undefined,
  body: Params,
): void {
  if (ctx?.channel === undefined) return;
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = Array.isArray(body.blocks) ? body.blocks : null;
  const replace = body.replace_original === true;
  const remove = body.delete_original === true;
  if (
    ctx.ephemeral === true &&
    ctx.userId !== undefined &&
    ctx.messageTs !== undefined &&
    (replace || remove)
  ) {
    if (remove) store.deleteEphemeral(ctx.userId, ctx.messageTs);
    else store.replaceEphemeral(ctx.userId, ctx.messageTs, { text, blocks });
    return;
  }
  const original = ctx.messageTs === undefined ? undefined : store.findMessage(ctx.channel, ctx.messageTs);
  if (remove && original !== undefined) store.deleteMessage(original);
  else if (replace && original !== undefined) store.updateMessage(original, text, blocks);
  else if (body.response_type === 'in_channel') {
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : null;
    store.postMessage(ctx.channel, threadTs, text, blocks);
  } else if (ctx.userId !== undefined && !remove && !replace) {
    const threadTs = original?.threadTs ?? null;
    store.addEphemeral({ channel: ctx.channel, user: ctx.userId, threadTs, text, blocks });
  }
}
