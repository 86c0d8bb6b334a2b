/** What the bot knows about posting in a channel. */
export type ChannelAccess =
  | { status: 'ok' }
  | { status: 'refused'; reason: 'not_member' | 'archived' | 'not_found' }
  /** Slack did not answer in time (or said something else): the caller goes ahead, the outbox catches up. */
  | { status: 'unknown' };

export interface ChannelAccessOptions {
  /** conversations.info → the channel's flags; throws Slack's error (with `details.code`) otherwise. */
  info: (channel: string) => Promise<{ isMember: boolean; isArchived: boolean }>;
  /** How long the ack path waits for Slack at most (default 1,500 ms). */
  timeoutMs?: number;
  /** How long a channel known to work is trusted without asking again (default 10 min). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Can the bot post (and upload charts) in a channel? A channel is usable when the bot is a member and it
 * is not archived: `chat:write.public` would let it post in a public channel it has not joined, but chart
 * uploads answer `not_in_channel` there, so membership is asked for honestly up front. Channels known to
 * work are remembered, so a busy channel's `start` costs no Slack call; the first one waits at most
 * `timeoutMs` (well inside the 3-second ack) and goes ahead when Slack is slow.
 */
export function createChannelAccess(
  options: ChannelAccessOptions,
): (channel: string) => Promise<ChannelAccess> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const known = new Map<string, number>();

  async function ask(channel: string): Promise<ChannelAccess> {
    try {
      const info = await options.info(channel);
      if (info.isArchived) return { status: 'refused', reason: 'archived' };
      if (!info.isMember) return { status: 'refused', reason: 'not_member' };
      known.set(channel, now());
      return { status: 'ok' };
    } catch (err) {
      const code = (err as { details?: { code?: unknown } }).details?.code;
      // A private channel or DM the bot is not in looks to the bot like no channel at all.
      if (code === 'channel_not_found') return { status: 'refused', reason: 'not_found' };
      return { status: 'unknown' };
    }
  }

  return async (channel) => {
    const at = known.get(channel);
    if (at !== undefined && now() - at < ttlMs) return { status: 'ok' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ChannelAccess>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'unknown' }), timeoutMs);
    });
    try {
      return await Promise.race([ask(channel), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Why `start` refused, and how to fix it. */
export function channelRefusal(
  channel: string,
  reason: 'not_member' | 'archived' | 'not_found',
  botName: string,
): string {
  const invite = `\`/invite @${botName}\``;
  switch (reason) {
    case 'archived':
      return `<#${channel}> is archived, so the run's messages could not be posted there. Nothing was started; unarchive it or set \`slack.channel\` to another channel.`;
    case 'not_member':
      return `I am not a member of <#${channel}>, so I could not post the run's approvals and charts there. Nothing was started: type ${invite} in that channel, then start again.`;
    case 'not_found':
      return `I cannot see this conversation (a private channel or a direct message I am not in), so nobody would see the run's approvals. Nothing was started: type ${invite} in a channel for upgrades and start the run there.`;
  }
}
