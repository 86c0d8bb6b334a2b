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

  return async function handleCommand(raw: CommandInput): Promise<CommandReply> {
    const input = {
      text: stripNul(raw.text),
      userId: stripNul(raw.userId),
      channelId: stripNul(raw.channelId),
    };
    const parsed = parse(input.text);
    if (!parsed.ok) return ephemeral(`${parsed.error}\nUsage:\n\`\`\`${parsed.usage}\`\`\``);
    const cmd = parsed.command;
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
