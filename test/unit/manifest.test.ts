import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { START_SHORTCUT } from '../../src/slack/blocks/start-modal-view.js';
import { COMMAND_NAME, SUBCOMMANDS, usageLine } from '../../src/slack/usage.js';
import { REPO_ROOT } from '../support/spawn-bot.js';

interface Manifest {
  _metadata: { major_version: number };
  display_information: { name: string; description?: string; long_description?: string };
  features: {
    bot_user: { display_name: string };
    slash_commands: Array<{ command: string; url?: string; description: string; usage_hint?: string }>;
    app_home: { home_tab_enabled: boolean };
    shortcuts: Array<{ name: string; type: string; callback_id: string; description: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url?: string };
    event_subscriptions: { request_url?: string; bot_events: string[] };
    socket_mode_enabled: boolean;
  };
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

  it('has the start shortcut the bot answers, the Home tab, and only the event it handles', () => {
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ type: 'global', callback_id: START_SHORTCUT }),
    ]);
    const shortcut = manifest.features.shortcuts[0];
    expect(shortcut?.name.length).toBeLessThanOrEqual(24);
    expect(shortcut?.description.length).toBeLessThanOrEqual(150);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.event_subscriptions.request_url).toBe(manifest.features.slash_commands[0]?.url);
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
