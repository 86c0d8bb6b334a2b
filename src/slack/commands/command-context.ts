import type { Logger } from 'pino';
import type { BotConfig } from '../../config/config-schema.js';
import type { BucketPolicy } from '../../domain/take-token.js';
import type { RunEngine } from '../../engine/run-engine.js';
import type { JobQueue } from '../../queue/job-queue.js';
import type { Store } from '../../store/create-store.js';
import type { ApproverMembership } from '../approver-directory.js';
import type { ChannelAccess } from '../channel-access.js';
import { clampText, fitBlocks, MAX_UPDATE_TEXT } from '../fit-blocks.js';
import type { SlackBlock } from '../notifier.js';

export interface CommandDeps {
  store: Store;
  queue: JobQueue;
  engine: RunEngine;
  config: BotConfig;
  log: Logger;
  now: () => Date;
  isApprover: (userId: string) => Promise<boolean>;
  /** From memory (never waits on Slack); when given, an unknown membership is refused honestly. */
  approverMembership?: (userId: string) => ApproverMembership;
  /** Whether the bot can post in a channel (cached; waits on Slack at most briefly). */
  channelAccess?: (channel: string) => Promise<ChannelAccess>;
  /** A message's permalink (chat.getPermalink), for follow-ups after the ack. */
  permalink?: (channel: string, ts: string) => Promise<string | null>;
  /** The bot's user name, for `/invite @<name>` advice. */
  botName?: string;
  /** Which of the given user groups a user belongs to (for `approvals.operatorGroups`). */
  groupsOf?: (userId: string, groupIds: readonly string[]) => Promise<string[]>;
  /** Per-user limit of `start`, `--dry-run` and `compare` (default: 5 at once, then one per 12 s). */
  commandLimit?: BucketPolicy;
}

export interface CommandInput {
  text: string;
  userId: string;
  channelId: string;
}

/** What the slash command acknowledges with, and the work that must wait until after the ack. */
export interface CommandReply {
  ack: { response_type: 'ephemeral' | 'in_channel'; text: string; blocks?: SlackBlock[] };
  after?: () => Promise<void>;
  /** Said to the user through the command's response_url once `after` is done (e.g. "card posted"). */
  followUp?: () => Promise<string | null>;
}

/** An ephemeral reply, fitted to Block Kit's limits like every message the bot sends. */
export function ephemeral(text: string, blocks?: SlackBlock[]): CommandReply {
  return {
    ack: {
      response_type: 'ephemeral',
      text: clampText(text, MAX_UPDATE_TEXT),
      ...(blocks ? { blocks: fitBlocks(blocks) } : {}),
    },
  };
}

/** A message link that works without an API call (Slack redirects archive links). */
export function messageLink(channel: string, ts: string | null, label = 'run card'): string {
  return ts ? `<https://slack.com/archives/${channel}/p${ts.replace('.', '')}|${label}>` : `<#${channel}>`;
}
