/** Block Kit blocks as plain JSON; builders in src/slack/blocks produce them. */
export type SlackBlock = Record<string, unknown>;

export interface SlackMessage {
  channel: string;
  text: string;
  blocks?: SlackBlock[];
  threadTs?: string | null;
}

/** The role the bot needs from Slack's Web API; no Bolt or WebClient types leak out of it. */
export interface Notifier {
  post(message: SlackMessage): Promise<{ ts: string; channel: string }>;
  /** Coalesced: at most one update per second per message, the newest content wins. */
  update(message: SlackMessage & { ts: string }): Promise<void>;
  ephemeral(message: SlackMessage & { user: string }): Promise<void>;
  upload(file: {
    channel: string;
    threadTs: string;
    filename: string;
    title: string;
    data: Buffer;
  }): Promise<void>;
}
