import { type BlocksContext, renderMessageBody } from '../page/render-blocks.js';
import { escapeHtml } from '../page/render-mrkdwn.js';
import { type ModalForPage, renderModal } from '../page/render-view.js';
import type { WorkspaceStore } from './workspace-store.js';
import type { SandboxUser, WorkspaceEphemeral, WorkspaceMessage } from './workspace-types.js';

/** One line of the channel or a thread, rendered for the page. */
export interface ViewItem {
  ts: string;
  threadTs: string | null;
  author: string;
  authorKind: 'bot' | 'slackbot';
  ephemeral: boolean;
  html: string;
  edited: boolean;
  replyCount: number;
  time: string;
}

export interface ChannelView {
  channel: { id: string; name: string };
  me: string;
  timeline: ViewItem[];
  /** Replies per parent ts (ephemerals in threads included, for `me` only). */
  threads: Record<string, ViewItem[]>;
  /** The modal `me` has open (the newest), if any. */
  modal: ModalForPage | null;
  /** `me`'s App Home tab as HTML, once the app published one. */
  home: string | null;
}

const BOT_NAME = 'kong-upgrade';

/** What `me` sees of one channel: messages, threads, files, and only their own ephemerals. */
export function buildChannelView(
  store: WorkspaceStore,
  input: { channel: string; me: string; users: SandboxUser[] },
): ChannelView {
  const info = store.findChannel(input.channel);
  const names = new Map(input.users.map((u) => [u.id, u.name]));
  const ctx: BlocksContext = {
    userName: (id) =>
      names.get(id) ?? store.users.get(id)?.name ?? (id === store.bot.userId ? BOT_NAME : undefined),
    channelName: (id) => store.channels.get(id)?.name,
    fileUrl: (id) => `/sandbox/api/files/${encodeURIComponent(id)}`,
  };
  const visible = store.state.messages.filter((m) => m.channel === input.channel && !m.deleted);
  const mine = store.state.ephemerals.filter((e) => e.channel === input.channel && e.user === input.me);

  const fromMessage = (m: WorkspaceMessage): ViewItem => ({
    ts: m.ts,
    threadTs: m.threadTs,
    author: BOT_NAME,
    authorKind: 'bot',
    ephemeral: false,
    html: renderMessageBody(m.text, m.blocks, ctx) + filesHtml(store, m.fileIds, ctx),
    edited: m.updates.length > 0,
    replyCount: m.threadTs === null ? visible.filter((r) => r.threadTs === m.ts).length : 0,
    time: clock(m.ts),
  });
  const fromEphemeral = (e: WorkspaceEphemeral): ViewItem => ({
    ts: e.ts,
    threadTs: e.threadTs,
    author: e.from === 'slackbot' ? 'Slackbot' : BOT_NAME,
    authorKind: e.from === 'slackbot' ? 'slackbot' : 'bot',
    ephemeral: true,
    html: renderMessageBody(e.text, e.blocks, ctx),
    edited: false,
    replyCount: 0,
    time: clock(e.ts),
  });

  const items = [...visible.map(fromMessage), ...mine.map(fromEphemeral)].sort(
    (a, b) => Number(a.ts) - Number(b.ts),
  );
  const broadcast = new Set(visible.filter((m) => m.broadcast === true).map((m) => m.ts));
  const threads: Record<string, ViewItem[]> = {};
  for (const item of items) {
    if (item.threadTs === null) continue;
    threads[item.threadTs] = [...(threads[item.threadTs] ?? []), item];
  }
  return {
    channel: { id: input.channel, name: info?.name ?? input.channel },
    me: input.me,
    // Broadcast replies show in the channel as well as in their thread.
    timeline: items.filter((i) => i.threadTs === null || broadcast.has(i.ts)),
    threads,
    modal: modalOf(store, input.me, ctx),
    home: homeOf(store, input.me, ctx),
  };
}

function modalOf(store: WorkspaceStore, me: string, ctx: BlocksContext): ModalForPage | null {
  const open = store.state.views.filter((v) => v.kind === 'modal' && v.user === me && !v.closed).at(-1);
  if (open === undefined) return null;
  const channels = [...store.channels.values()].map((c) => ({ id: c.id, name: c.name }));
  return renderModal(open, { ...ctx, channels });
}

function homeOf(store: WorkspaceStore, me: string, ctx: BlocksContext): string | null {
  const home = store.state.views.find((v) => v.kind === 'home' && v.user === me);
  if (home === undefined) return null;
  return renderMessageBody('', Array.isArray(home.view.blocks) ? home.view.blocks : [], ctx);
}

function filesHtml(store: WorkspaceStore, ids: string[], ctx: BlocksContext): string {
  const parts = ids.map((id) => {
    const f = store.state.files.get(id);
    if (f === undefined) return '';
    const url = escapeHtml(ctx.fileUrl(id));
    const title = escapeHtml(f.title ?? f.filename);
    return /\.(png|jpe?g|gif|svg)$/i.test(f.filename)
      ? `<figure class="file"><figcaption>${title}</figcaption><img data-testid="file-image" src="${url}" alt="${escapeHtml(f.altText ?? title)}"></figure>`
      : `<a class="file" href="${url}" download>${title}</a>`;
  });
  return parts.join('');
}

function clock(ts: string): string {
  return new Date(Number(ts) * 1000).toISOString().slice(11, 19);
}
