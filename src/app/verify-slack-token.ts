import { WebClient } from '@slack/web-api';
import { AppError } from '../errors.js';

/**
 * Our own auth.test, with no retries and a short timeout, so start-up fails with a clear message
 * instead of hanging when Slack is unreachable; Bolt then gets botId/botUserId and skips its own.
 */
export async function verifySlackToken(
  token: string,
  apiUrl: string,
  timeoutMs = 5000,
): Promise<{ botId: string; botUserId: string; botName: string; team: string }> {
  const client = new WebClient(token, {
    slackApiUrl: apiUrl,
    timeout: timeoutMs,
    retryConfig: { retries: 0 },
  });
  try {
    const res = await client.auth.test();
    return {
      botId: String(res.bot_id ?? ''),
      botUserId: String(res.user_id ?? ''),
      botName: String(res.user ?? 'kong-upgrade'),
      team: String(res.team ?? ''),
    };
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code) {
      throw new AppError(
        'E_SLACK_API',
        `Slack refused SLACK_BOT_TOKEN (${code}): check the bot token on your Slack app's OAuth & Permissions page.`,
        {
          cause: err,
        },
      );
    }
    throw new AppError(
      'E_SLACK_UNREACHABLE',
      `Slack did not answer at ${apiUrl} (${(err as Error).message}). Check SLACK_API_URL and that this host can reach Slack.`,
      { cause: err, retryable: true },
    );
  }
}
