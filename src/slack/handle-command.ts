import { type BucketPolicy, mayOperate, type TokenBucket, takeToken } from '../domain/take-token.js';
import { isAppError } from '../errors.js';
import {
  type CommandDeps,
  type CommandInput,
  type CommandReply,
  ephemeral,
} from './commands/command-context.js';
import { compareCommand } from './commands/compare-command.js';
import { runControlCommand } from './commands/run-control-command.js';
import { startCommand } from './commands/start-command.js';
import { listCommand, statusCommand } from './commands/status-command.js';
import { parseCommand } from './parse-command.js';
import { stripNul } from './strip-nul.js';
import { helpText } from './usage.js';

const MAX_REMEMBERED_PARSES = 500;
/** `start`, `--dry-run` and `compare` each cost real work (jobs, scrapes): 5 at once, then one per 12 s. */
const COSTLY_COMMANDS: BucketPolicy = { burst: 5, refillMs: 12_000 };
const MAX_REMEMBERED_USERS = 10_000;
const MAX_REMEMBERED_TEXT = 200;

/**
 * Everything `/kong-upgrade` does before the ack: parse, validate, write to PostgreSQL, enqueue.
 * Slack calls wait for `after`, run once the ack is sent.
 */
export function createCommandHandler(deps: CommandDeps) {
  const environments = Object.keys(deps.config.environments);
  // Parsing is pure and the same few texts (`status prod-7`) come in bursts: keep recent results.
  const parsedTexts = new Map<string, ReturnType<typeof parseCommand>>();
  const parse = (text: string) => {
    let parsed = parsedTexts.get(text);
    if (parsed === undefined) {
      parsed = parseCommand(text, { environments });
      if (text.length <= MAX_REMEMBERED_TEXT) {
        if (parsedTexts.size >= MAX_REMEMBERED_PARSES) parsedTexts.clear();
        parsedTexts.set(text, parsed);
      }
    }
    return parsed;
  };

  const buckets = new Map<string, TokenBucket>();
  /** Who may start and ask for steps, and how often anyone may run the costly commands. */
  async function refuseCommand(kind: string, userId: string): Promise<string | null> {
    if (kind === 'start' || kind === 'shift') {
      const { operators, operatorGroups } = deps.config.approvals;
      if (operators.length > 0 || operatorGroups.length > 0) {
        const inOperatorGroup =
          operatorGroups.length > 0 && deps.groupsOf
            ? (await deps.groupsOf(userId, operatorGroups)).length > 0
            : false;
        const allowed = mayOperate(
          userId,
          { operators, operatorGroups },
          { inOperatorGroup, isApprover: inOperatorGroup || (await deps.isApprover(userId)) },
        );
        if (!allowed) {
          return `Only operators and approvers may ${kind === 'start' ? 'start runs' : 'ask for traffic steps'} (see \`approvals.operators\` and \`approvals.operatorGroups\` in the bot config). Nothing changed.`;
        }
      }
    }
    if (kind === 'start' || kind === 'compare') {
      const limit = deps.commandLimit ?? COSTLY_COMMANDS;
      const taken = takeToken(buckets.get(userId), deps.now().getTime(), limit);
      if (buckets.size >= MAX_REMEMBERED_USERS && !buckets.has(userId)) buckets.clear();
      buckets.set(userId, taken.bucket);
      if (!taken.allowed) {
        return `Easy there: \`${kind}\` is limited to ${limit.burst} in a row per person. Please try again in ${Math.ceil(taken.retryAfterMs / 1000)} s. Nothing was done.`;
      }
    }
    return null;
  }

  return async function handleCommand(raw: CommandInput): Promise<CommandReply> {
    const input = {
      text: stripNul(raw.text),
      userId: stripNul(raw.userId),
      channelId: stripNul(raw.channelId),
    };
    const parsed = parse(input.text);
    if (!parsed.ok) return ephemeral(`${parsed.error}\nUsage:\n\`\`\`${parsed.usage}\`\`\``);
    const cmd = parsed.command;
    const refused = await refuseCommand(cmd.kind, input.userId);
    if (refused) return ephemeral(refused);
    try {
      switch (cmd.kind) {
        case 'help':
          return ephemeral(helpText());
        case 'start':
          return await startCommand(cmd, input, deps);
        case 'status':
          return await statusCommand(cmd, input, deps);
        case 'list':
          return await listCommand(deps);
        case 'abort':
        case 'pause':
        case 'resume':
        case 'rollback':
          return await runControlCommand({ kind: cmd.kind, run: cmd.run }, input, deps);
        case 'shift':
          return await runControlCommand(cmd, input, deps);
        case 'compare':
          return await compareCommand(cmd, input, deps);
      }
    } catch (err) {
      if (isAppError(err) && err.code === 'E_STORE_UNAVAILABLE') {
        return ephemeral(
          "The bot's database is not reachable right now, so nothing was changed. Try again in a minute.",
        );
      }
      deps.log.error({ err, text: input.text, user: input.userId }, 'command failed');
      return ephemeral(
        'Something went wrong while handling that command; nothing was changed. The error is in the bot log.',
      );
    }
  };
}
