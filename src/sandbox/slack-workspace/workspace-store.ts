import type {
  ResponseUrlContext,
  SlackWorkspaceOptions,
  WorkspaceCall,
  WorkspaceChannel,
  WorkspaceEphemeral,
  WorkspaceFault,
  WorkspaceFile,
  WorkspaceMessage,
  WorkspaceResponse,
  WorkspaceView,
} from './workspace-types.js';

/** What changed, for the page's live updates. */
export interface WorkspaceChange {
  kind:
    | 'message.posted'
    | 'message.updated'
    | 'message.deleted'
    | 'ephemeral'
    | 'file.shared'
    | 'view'
    | 'reset';
  channel?: string;
  ts?: string;
  threadTs?: string | null;
  user?: string;
}

/**
 * Everything the workspace remembers: channels, messages and their threads, ephemerals, files, recorded
 * calls and queued faults. Mutations that a channel would show notify the listeners (the page's SSE).
 */
export function createWorkspaceStore(opts: SlackWorkspaceOptions) {
  const team = { id: opts.teamId ?? 'T0KONG001', domain: opts.teamDomain ?? 'acme' };
  const bot = {
    userId: opts.botUserId ?? 'U0BOT',
    botId: opts.botId ?? 'B0TEST',
    appId: opts.appId ?? 'A0KONGBOT',
  };
  const now = opts.now ?? Date.now;
  const usergroups = new Map(Object.entries(opts.usergroups ?? {}));
  const channels = new Map<string, WorkspaceChannel>();
  const users = new Map(Object.entries(opts.users ?? {}));
  const responseContexts = new Map<string, ResponseUrlContext>();
  const listeners = new Set<(change: WorkspaceChange) => void>();
  const state = {
    messages: [] as WorkspaceMessage[],
    ephemerals: [] as WorkspaceEphemeral[],
    responses: [] as WorkspaceResponse[],
    files: new Map<string, WorkspaceFile>(),
    calls: [] as WorkspaceCall[],
    faults: new Map<string, WorkspaceFault[]>(),
    /** Modals opened (views.open) and App Home tabs published (views.publish), oldest first. */
    views: [] as WorkspaceView[],
    /** trigger_id → who it was issued to and when (Slack: usable once, within 3 s). */
    triggers: new Map<string, { user: string; at: number; used: boolean }>(),
  };
  let lastMicros = 0;

  const notify = (change: WorkspaceChange) => {
    for (const listener of listeners) listener(change);
  };

  const setChannel = (id: string, info: Partial<WorkspaceChannel>) => {
    const old = channels.get(id);
    channels.set(id, {
      id,
      name: info.name ?? old?.name ?? id.toLowerCase(),
      isPrivate: info.isPrivate ?? old?.isPrivate ?? id.startsWith('G'),
      isArchived: info.isArchived ?? old?.isArchived ?? false,
      isMember: info.isMember ?? old?.isMember ?? true,
    });
  };
  for (const [id, info] of Object.entries(opts.channels ?? {})) setChannel(id, info);

  /** Unique, increasing ts like Slack's "1754000000.000100" (seconds.microseconds). */
  const nextTs = (): string => {
    lastMicros = Math.max(Math.floor(now() * 1000), lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const findChannel = (id: string | undefined): WorkspaceChannel | undefined => {
    if (id === undefined) return undefined;
    if (!channels.has(id) && !opts.strict && /^[CGD][A-Z0-9]{2,}$/.test(id)) setChannel(id, {});
    return channels.get(id);
  };
  const findMessage = (channel: string, ts: string) =>
    state.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  /** A reply's ts resolves to its parent, as Slack threads only one level deep. */
  const threadParent = (channel: string, ts: string | undefined): string | null | undefined => {
    if (ts === undefined || ts === '') return null;
    const m = findMessage(channel, ts);
    return m === undefined ? undefined : (m.threadTs ?? m.ts);
  };

  const postMessage = (
    channel: string,
    threadTs: string | null,
    text: string,
    blocks: unknown[] | null,
    fileIds: string[] = [],
    broadcast = false,
  ) => {
    const m: WorkspaceMessage = {
      channel,
      ts: nextTs(),
      threadTs,
      text,
      blocks,
      user: bot.userId,
      botId: bot.botId,
      fileIds,
      deleted: false,
      ...(broadcast && threadTs !== null ? { broadcast: true } : {}),
      updates: [],
    };
    state.messages.push(m);
    notify({ kind: fileIds.length > 0 ? 'file.shared' : 'message.posted', channel, ts: m.ts, threadTs });
    return m;
  };

  const updateMessage = (m: WorkspaceMessage, text: string, blocks: unknown[] | null) => {
    m.text = text;
    m.blocks = blocks;
    m.updates.push({ at: new Date(now()), text, blocks });
    notify({ kind: 'message.updated', channel: m.channel, ts: m.ts, threadTs: m.threadTs });
  };

  const deleteMessage = (m: WorkspaceMessage) => {
    m.deleted = true;
    notify({ kind: 'message.deleted', channel: m.channel, ts: m.ts, threadTs: m.threadTs });
  };

  const addEphemeral = (e: Omit<WorkspaceEphemeral, 'ts'>): WorkspaceEphemeral => {
    const full: WorkspaceEphemeral = { ...e, ts: nextTs() };
    state.ephemerals.push(full);
    notify({ kind: 'ephemeral', channel: e.channel, ts: full.ts, threadTs: e.threadTs, user: e.user });
    return full;
  };

  /** Ephemerals can change only through the response_url of a click on them (slack.md §4.4). */
  const replaceEphemeral = (user: string, ts: string, change: { text: string; blocks: unknown[] | null }) => {
    const e = state.ephemerals.find((x) => x.user === user && x.ts === ts);
    if (e === undefined) return;
    Object.assign(e, change);
    notify({ kind: 'ephemeral', channel: e.channel, ts, threadTs: e.threadTs, user });
  };
  const deleteEphemeral = (user: string, ts: string) => {
    const before = state.ephemerals.length;
    state.ephemerals = state.ephemerals.filter((x) => !(x.user === user && x.ts === ts));
    if (state.ephemerals.length !== before) notify({ kind: 'ephemeral', ts, user });
  };

  return {
    team,
    bot,
    now,
    usergroups,
    channels,
    users,
    responseContexts,
    state,
    setChannel,
    nextTs,
    findChannel,
    findMessage,
    threadParent,
    postMessage,
    updateMessage,
    deleteMessage,
    addEphemeral,
    replaceEphemeral,
    deleteEphemeral,
    subscribe(listener: (change: WorkspaceChange) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    issueTrigger(user: string): string {
      const id = `${now()}.${Math.random().toString(16).slice(2, 10)}`;
      state.triggers.set(id, { user, at: now(), used: false });
      return id;
    },
    notifyView(user: string | null) {
      notify({ kind: 'view', ...(user === null ? {} : { user }) });
    },
    reset() {
      state.messages = [];
      state.ephemerals = [];
      state.responses = [];
      state.files = new Map();
      state.calls = [];
      state.faults = new Map();
      state.views = [];
      state.triggers = new Map();
      notify({ kind: 'reset' });
    },
  };
}

export type WorkspaceStore = ReturnType<typeof createWorkspaceStore>;
