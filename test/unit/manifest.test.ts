import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMAND_NAME, SUBCOMMANDS, usageLine } from '../../src/slack/usage.js';
import { REPO_ROOT } from '../support/spawn-bot.js';

interface Manifest {
  _metadata: { major_version: number };
  display_information: { name: string; description?: string; long_description?: string };
  features: {
    bot_user: { display_name: string };
    slash_commands: Array<{ command: string; url?: string; description: string; usage_hint?: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean };
}

const manifest = parse(readFileSync(`${REPO_ROOT}manifest.yml`, 'utf8')) as Manifest;

// Limits from slackapi/manifest-schema (reference/slack.md section 5).
describe('manifest.yml (Slack app manifest, HTTP mode)', () => {
  it('declares the one slash command the bot handles, at Bolt’s endpoint', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe(COMMAND_NAME);
    expect(command?.url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    expect(command?.description.length).toBeLessThanOrEqual(2000);
    expect(command?.usage_hint?.length ?? 0).toBeLessThanOrEqual(1000);
  });

  it("usage_hint lists every sub-command with its arguments, in the help's order", () => {
    const hint = manifest.features.slash_commands[0]?.usage_hint ?? '';
    expect(hint.split(' | ')).toEqual(SUBCOMMANDS.map((s) => usageLine(s).slice(COMMAND_NAME.length + 1)));
  });

  it('sends button clicks to the same endpoint, over HTTP rather than Socket Mode', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBe(manifest.features.slash_commands[0]?.url);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('asks for the scopes of the Web API methods the bot calls, and no others', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        'channels:read',
        'chat:write',
        'commands',
        'files:write',
        'groups:read',
        'im:read',
        'mpim:read',
        'usergroups:read',
      ].sort(),
    );
  });

  it('stays within the schema’s length limits', () => {
    expect(manifest._metadata.major_version).toBe(1);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description?.length ?? 0).toBeLessThanOrEqual(140);
    const long = manifest.display_information.long_description ?? '';
    expect(long.length).toBeGreaterThanOrEqual(175);
    expect(long.length).toBeLessThanOrEqual(4000);
    expect(manifest.features.bot_user.display_name.length).toBeLessThanOrEqual(80);
  });
});
