import type { SlackPriority } from './slack-call-scheduler.js';

/** Block Kit blocks as plain JSON; builders in src/slack/blocks produce them. */
export type SlackBlock = Record<string, unknown>;

export interface SlackMessage {
  channel: string;
  text: string;
  blocks?: SlackBlock[];
  threadTs?: string | null;
  /** When Slack makes the bot wait, urgent messages (gates, rollbacks) go first; default `normal`. */
  priority?: SlackPriority;
  /** A thread reply also shown in the channel (`reply_broadcast`): rollbacks, failures. */
  broadcast?: boolean;
}

/** The role the bot needs from Slack's Web API; no Bolt or WebClient types leak out of it. */
export interface Notifier {
  post(message: SlackMessage): Promise<{ ts: string; channel: string }>;
  /** Coalesced: at most one update per second per message, the newest content wins. Default priority `low`. */
  update(message: SlackMessage & { ts: string }): Promise<void>;
  ephemeral(message: SlackMessage & { user: string }): Promise<void>;
  upload(file: {
    channel: string;
    threadTs: string;
    filename: string;
    title: string;
    data: Buffer;
    /** What the image shows, for screen readers. */
    altText?: string;
  }): Promise<void>;
  /**
   * Uploads an image without sharing it anywhere (files.uploadV2 with no channel) and answers its file
   * id, for an `image` block with `slack_file` in a message of the bot's own.
   */
  uploadImage?(file: { filename: string; title: string; data: Buffer; altText: string }): Promise<{
    fileId: string;
  }>;
  /** The message's permalink (chat.getPermalink), or null when Slack gave none. */
  permalink?(channel: string, ts: string): Promise<string | null>;
}
