import type { IncomingHttpHeaders, RequestListener } from 'node:http';
import type { Logger } from 'pino';

/**
 * Shapes of the simulated Slack workspace: what a channel holds (messages, threads, ephemerals, files),
 * what the Web API recorded, and the options of the sandbox page. Tests import them through
 * `test/support/fake-slack.ts` under their older `Fake…` names.
 */

export interface WorkspaceChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isMember: boolean;
}

export interface WorkspaceCall {
  method: string;
  params: Record<string, unknown>;
  at: Date;
  headers: IncomingHttpHeaders;
}

export interface WorkspaceMessage {
  channel: string;
  ts: string;
  /** ts of the thread's parent for replies; null for top-level messages. */
  threadTs: string | null;
  text: string;
  blocks: unknown[] | null;
  user: string;
  botId: string;
  fileIds: string[];
  deleted: boolean;
  /** A thread reply posted with `reply_broadcast`: the channel shows it too. */
  broadcast?: boolean;
  /** Every chat.update (or response_url replace) applied to this message, oldest first. */
  updates: Array<{ at: Date; text: string; blocks: unknown[] | null }>;
}

export interface WorkspaceEphemeral {
  channel: string;
  user: string;
  ts: string;
  threadTs: string | null;
  text: string;
  blocks: unknown[] | null;
  /** Set when Slack itself speaks (e.g. "/kong-upgrade failed with the error dispatch_failed"). */
  from?: 'slackbot';
}

/** A modal someone has open (views.open / views.update) or a user's App Home tab (views.publish). */
export interface WorkspaceView {
  id: string;
  kind: 'modal' | 'home';
  /** Whose screen shows it (the trigger's user for modals; unknown triggers: null). */
  user: string | null;
  view: Record<string, unknown>;
  /** Closed modals (submitted and cleared, or cancelled) stay listed. */
  closed: boolean;
  /** What the app answered the last submission with (`response_action: errors`), by block id. */
  errors?: Record<string, string>;
  at: Date;
  /** Every views.update or views.publish that replaced the view, oldest first. */
  updates: Array<{ at: Date; view: Record<string, unknown> }>;
}

export interface WorkspaceResponse {
  id: string;
  body: Record<string, unknown>;
  at: Date;
  headers: IncomingHttpHeaders;
}

export interface WorkspaceFile {
  id: string;
  filename: string;
  declaredLength: number;
  altText: string | null;
  title: string | null;
  bytes: Buffer | null;
  uploadContentType: string | null;
  completed: boolean;
  channel: string | null;
  threadTs: string | null;
  initialComment: string | null;
}

/** A queued fault: an `ok:false` error code, an HTTP status (429 with Retry-After), or a delay. */
export type WorkspaceFault =
  | string
  | { status: 429; retryAfter: number }
  | { status: number; body?: string }
  | { delayMs: number };

/** Faults drawn per call from a seeded generator, as a flaky Slack would answer. */
export interface RandomFaults {
  seed: number;
  /** Share of calls answered 429 with Retry-After (seconds drawn between the bounds). */
  rate429: number;
  retryAfterSeconds?: [min: number, max: number];
  /** Share of calls answered HTTP 500. */
  rate500: number;
  /** Methods spared (e.g. `auth.test` at start-up); default none. */
  except?: string[];
}

/** Context a response_url acts on, as Slack knows it from the command or click that carried it. */
export interface ResponseUrlContext {
  channel?: string;
  messageTs?: string;
  userId?: string;
  /** The click came from an ephemeral message (its ts in `messageTs`): replace/delete act on it. */
  ephemeral?: boolean;
}

/** Someone the page lets you be; the picker shows `label`. */
export interface SandboxUser {
  id: string;
  name: string;
  label: string;
}

export interface YFaults {
  /** Share of Y's requests answered 5xx, 0–1. */
  errorRatio: number;
  addedLatencyMs: number;
  /** One route of Y answers only this status (a route-level failure); null or absent: none. */
  brokenRoute?: { route: string; status: 404 | 500 } | null;
}

export interface SandboxStatus {
  split: { x: number; y: number };
  rates: { x: number; y: number };
  faults: YFaults;
  /** Whether X has the route Kong 3.x rejects (absent when the sandbox does not offer it). */
  rejectedRoute?: boolean;
  /** Routes the "break one route on Y" control offers (absent: the control is hidden). */
  routes?: string[];
  /** Hybrid Y: whether its second data plane reports `plugin_set_incompatible` (absent: Y is not hybrid). */
  dataPlaneOutOfSync?: boolean;
}

/** Hooks the orchestration plugs in (the real Kong nodes and the balancer); without them the panel hides. */
export interface SandboxControls {
  setYFaults(faults: YFaults): Promise<void>;
  /** Adds or removes on X a route whose regex Kong 3.x rejects (to see preflight fail). */
  setRejectedRoute?(on: boolean): Promise<void>;
  /** Hybrid Y: puts its second data plane out of sync (`plugin_set_incompatible`) or back to normal. */
  setDataPlaneOutOfSync?(on: boolean): Promise<void>;
  status(): Promise<SandboxStatus>;
  /**
   * Puts Y back for a new run: `whenUsed` only if an earlier run used it (sent before every `start`),
   * otherwise always (the panel's reset button). Refused while a run is active.
   */
  resetY?(options: { whenUsed: boolean }): Promise<{ ok: boolean; reset?: boolean; message: string }>;
}

export interface SandboxPageOptions {
  /**
   * The bot's Request URL, e.g. `http://127.0.0.1:3001/slack/events`; a function when the bot starts
   * after the workspace (it needs the workspace's `apiUrl` first).
   */
  botUrl: string | (() => string);
  signingSecret: string;
  /** The channel the page shows and commands are typed in. Default `C0SANDBOX1`. */
  channel?: string;
  channelName?: string;
  users?: SandboxUser[];
  controls?: SandboxControls;
  /** Default `/kong-upgrade`. */
  command?: string;
  /** How long Slack waits for the bot's answer before showing `operation_timeout`. Default 3,000 ms. */
  ackTimeoutMs?: number;
}

export interface SlackWorkspaceOptions {
  /** Bot tokens accepted in `Authorization: Bearer …`. Default `['xoxb-test']`. */
  botTokens?: string[];
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Usergroup id → member user ids (`usergroups.users.list`). */
  usergroups?: Record<string, string[]>;
  channels?: Record<string, Partial<WorkspaceChannel>>;
  users?: Record<string, { name?: string; realName?: string; isBot?: boolean }>;
  /** When true, channels and users not configured are `channel_not_found` / `user_not_found`. */
  strict?: boolean;
  /** Clock in ms, for message ts and call times. */
  now?: () => number;
  /** chat.update rejects longer text with `msg_too_long` (slack.md §4 table). Default 4,000. */
  updateTextLimit?: number;
  /** Uses allowed per response_url (Slack: 5 within 30 min). */
  responseUrlUses?: number;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serves the sandbox page at `/sandbox` when given. */
  page?: SandboxPageOptions;
  log?: Logger;
}

export interface SlackWorkspace {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/api/` — Bolt's `clientOptions.slackApiUrl`. */
  apiUrl: string;
  port: number;
  botToken: string;
  /** The server's handler, for mounting the workspace in another server. */
  requestListener: RequestListener;
  /** A response_url pointing at this workspace; with a context, replace/delete/in_channel take effect. */
  responseUrl(id?: string, context?: ResponseUrlContext): string;
  /** The next call of `method` (or 'upload' / 'response') fails this way. Faults queue up. */
  failNext(method: string, fault: WorkspaceFault): void;
  /** Every call of `method` fails this way until cleared with `null` (queued faults go first). */
  failAlways(method: string, fault: WorkspaceFault | null): void;
  /** Random, seeded faults on Web API calls and uploads (not response_url); `null` stops them. */
  setRandomFaults(faults: RandomFaults | null): void;
  /** A person deletes the message: later chat.update / getPermalink answer message_not_found. */
  deleteMessage(channel: string, ts: string): boolean;
  setUsergroup(id: string, users: string[]): void;
  setChannel(id: string, info: Partial<WorkspaceChannel>): void;
  /** What the channel shows, oldest first: top-level messages and broadcast thread replies. */
  messages(channel: string): WorkspaceMessage[];
  message(channel: string, ts: string): WorkspaceMessage | undefined;
  /** Replies in a thread (parent excluded), oldest first. */
  thread(channel: string, ts: string): WorkspaceMessage[];
  ephemerals(user?: string): WorkspaceEphemeral[];
  responses(id?: string): WorkspaceResponse[];
  files(): WorkspaceFile[];
  /** Modals opened and App Home tabs published, oldest first (`user` filters). */
  views(user?: string): WorkspaceView[];
  /** A trigger_id for `user`, as Slack puts in a command, click or shortcut it sends (valid 3 s). */
  issueTrigger(user: string): string;
  /** Marks a modal closed (the user submitted it and the app cleared it, or cancelled it). */
  closeView(id: string): void;
  calls(method?: string): WorkspaceCall[];
  /** Resolves with the predicate's first truthy value; rejects after timeoutMs naming what was seen. */
  waitFor<T>(predicate: () => T, timeoutMs?: number): Promise<Exclude<T, null | undefined | false | 0 | ''>>;
  /** Forgets messages, files, calls, responses and queued faults (configuration stays). */
  reset(): void;
  close(): Promise<void>;
}
