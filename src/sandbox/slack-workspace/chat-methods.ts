import { validateBlocks } from './block-kit-checks.js';
import { blocksOf, fail, hasContent, type Params, type Reply, str } from './web-api-params.js';
import type { WorkspaceStore } from './workspace-store.js';
import type { WorkspaceMessage } from './workspace-types.js';

const MAX_TEXT = 40_000;

export type MethodHandler = (p: Params) => Reply;

/**
 * The Web API methods about messages, channels and people (slack.md §4): answers shaped as Slack's,
 * `ok:false` with Slack's error codes for what Slack refuses.
 */
export function createChatMethods(
  store: WorkspaceStore,
  opts: { updateTextLimit: number; strict: boolean },
): Record<string, MethodHandler> {
  const { team, bot } = store;

  const messageJson = (m: WorkspaceMessage) => ({
    type: 'message',
    subtype: 'bot_message',
    bot_id: m.botId,
    user: m.user,
    app_id: bot.appId,
    team: team.id,
    text: m.text,
    ts: m.ts,
    ...(m.threadTs === null ? {} : { thread_ts: m.threadTs }),
    blocks: m.blocks ?? [],
  });

  /** Shared checks of chat.postMessage / chat.postEphemeral / chat.update content. */
  const checkContent = (p: Params, textLimit: number): Reply | null => {
    const text = str(p, 'text');
    if (text !== undefined && text.length > textLimit) return fail('msg_too_long');
    if (p.blocks === undefined) return null;
    return validateBlocks(p.blocks);
  };

  return {
    'auth.test': () => ({
      ok: true,
      url: `https://${team.domain}.slack.com/`,
      team: 'Acme',
      user: 'kong-upgrade',
      team_id: team.id,
      user_id: bot.userId,
      bot_id: bot.botId,
      app_id: bot.appId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (p) => {
      const channel = store.findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      if (channel.isArchived) return fail('is_archived');
      if (!channel.isMember) return fail('not_in_channel');
      const bad = checkContent(p, MAX_TEXT);
      if (bad !== null) return bad;
      if (!hasContent(p)) return fail('no_text');
      const parent = store.threadParent(channel.id, str(p, 'thread_ts'));
      if (parent === undefined) return fail('thread_not_found');
      const broadcast = p.reply_broadcast === true || p.reply_broadcast === 'true';
      const m = store.postMessage(channel.id, parent, str(p, 'text') ?? '', blocksOf(p), [], broadcast);
      return { ok: true, channel: channel.id, ts: m.ts, message: messageJson(m) };
    },
    'chat.update': (p) => {
      const channel = store.findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      const m = store.findMessage(channel.id, str(p, 'ts') ?? '');
      if (m === undefined) return fail('message_not_found');
      const bad = checkContent(p, opts.updateTextLimit);
      if (bad !== null) return bad;
      const text = str(p, 'text');
      // Slack: blocks are kept only when neither text nor blocks are sent (slack.md §4.1).
      const blocks = p.blocks !== undefined ? blocksOf(p) : text === undefined ? m.blocks : null;
      store.updateMessage(m, text ?? m.text, blocks);
      return { ok: true, channel: channel.id, ts: m.ts, text: m.text, message: messageJson(m) };
    },
    'chat.postEphemeral': (p) => {
      const channel = store.findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      const user = str(p, 'user');
      if (user === undefined || user === '') return fail('user_not_in_channel');
      const bad = checkContent(p, MAX_TEXT);
      if (bad !== null) return bad;
      if (!hasContent(p)) return fail('no_text');
      const e = store.addEphemeral({
        channel: channel.id,
        user,
        threadTs: str(p, 'thread_ts') ?? null,
        text: str(p, 'text') ?? '',
        blocks: blocksOf(p),
      });
      return { ok: true, message_ts: e.ts };
    },
    'chat.getPermalink': (p) => {
      const channel = store.findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      const m = store.findMessage(channel.id, str(p, 'message_ts') ?? '');
      if (m === undefined) return fail('message_not_found');
      const base = `https://${team.domain}.slack.com/archives/${channel.id}/p${m.ts.replace('.', '')}`;
      const permalink = m.threadTs === null ? base : `${base}?thread_ts=${m.threadTs}&cid=${channel.id}`;
      return { ok: true, channel: channel.id, permalink };
    },
    'conversations.info': (p) => {
      const c = store.findChannel(str(p, 'channel'));
      if (c === undefined) return fail('channel_not_found');
      return {
        ok: true,
        channel: {
          id: c.id,
          name: c.name,
          is_channel: !c.isPrivate,
          is_group: c.isPrivate,
          is_im: false,
          is_private: c.isPrivate,
          is_archived: c.isArchived,
          is_member: c.isMember,
          created: 1700000000,
        },
      };
    },
    'usergroups.users.list': (p) => {
      const members = store.usergroups.get(str(p, 'usergroup') ?? '');
      return members === undefined ? fail('no_such_subteam') : { ok: true, users: [...members] };
    },
    'users.info': (p) => {
      const id = str(p, 'user') ?? '';
      const known = store.users.get(id);
      if (known === undefined && (opts.strict || !/^[UW][A-Z0-9]{2,}$/.test(id)))
        return fail('user_not_found');
      const name = known?.name ?? id.toLowerCase();
      const realName = known?.realName ?? name;
      return {
        ok: true,
        user: {
          id,
          team_id: team.id,
          name,
          real_name: realName,
          is_bot: known?.isBot ?? false,
          deleted: false,
          tz: 'Etc/UTC',
          profile: { display_name: name, real_name: realName },
        },
      };
    },
  };
}
