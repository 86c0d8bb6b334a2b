import type { RequestListener, Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { BucketPolicy } from '../domain/take-token.js';
import { createSlackApp } from '../slack/create-slack-app.js';
import { guardSlackEvents } from '../slack/guard-slack-events.js';
import { createCommandHandler } from '../slack/handle-command.js';
import { createGateClickHandler } from '../slack/handle-gate-click.js';
import { createHomeTab } from '../slack/home-tab.js';
import type { Composition } from './compose.js';
import { createHttpRoutes } from './http-routes.js';
import { verifySlackToken } from './verify-slack-token.js';

export interface StartBotOptions {
  composition: Composition;
  slackToken: string;
  slackApiUrl: string;
  signingSecret?: string;
  appToken?: string;
  port: number;
  /** Per-user limit of `start`, `--dry-run` and `compare` (default: 5 at once, then one per 12 s). */
  commandLimit?: BucketPolicy;
}

/** The Slack side: verifies the token, builds the Bolt app with /healthz and /metrics, listens. */
export async function startBot(
  options: StartBotOptions,
): Promise<{ app: App; port: number; stop: () => Promise<void> }> {
  const c = options.composition;
  const identity = await verifySlackToken(options.slackToken, options.slackApiUrl);
  const routes = createHttpRoutes({
    registry: c.metrics.registry,
    probes: [
      { name: 'postgres', check: () => c.db.ping() },
      { name: 'redis', check: () => c.queue.ping() },
    ],
  });
  // Approver groups are read in the background from now on; a click never waits for them.
  c.approvers.start();
  const approverDeps = {
    isApprover: c.isApprover,
    approverMembership: c.approverMembership,
    groupsOf: c.groupsOf,
  };
  const handleCommand = createCommandHandler({
    ...c.deps,
    engine: c.engine,
    ...approverDeps,
    channelAccess: c.channelAccess,
    permalink: (channel: string, ts: string) => c.notifier.permalink(channel, ts),
    botName: identity.botName,
    ...(options.commandLimit ? { commandLimit: options.commandLimit } : {}),
  });
  const handleGateClick = createGateClickHandler({ ...c.deps, engine: c.engine, ...approverDeps });
  const homeTab = createHomeTab({
    store: c.store,
    log: c.deps.log,
    runChanges: c.runChanges,
    publish: async (userId, view) => {
      await c.notifier.scheduler.run({ method: 'views.publish', priority: 'low' }, () =>
        c.notifier.client.views.publish({ user_id: userId, view: view as never }),
      );
    },
  });
  const config = c.deps.config;
  const app = createSlackApp({
    botToken: options.slackToken,
    apiUrl: options.slackApiUrl,
    ...(options.signingSecret ? { signingSecret: options.signingSecret } : {}),
    ...(options.appToken ? { appToken: options.appToken } : {}),
    botId: identity.botId,
    botUserId: identity.botUserId,
    log: c.deps.log,
    routes,
    port: options.port,
    handleCommand: async (input) => {
      const reply = await handleCommand(input);
      return reply;
    },
    handleGateClick: async (input) => {
      const reply = await handleGateClick(input);
      c.metrics.gateDecisions.inc({
        outcome: reply.reasonNeeded ? 'reason_asked' : reply.ephemeral ? 'refused' : 'decided',
      });
      return reply;
    },
    onAck: (seconds, kind) => c.metrics.ack.observe({ kind }, seconds),
    start: {
      environments: Object.entries(config.environments).map(([name, env]) => ({
        name,
        steps: env.plan.steps,
      })),
      channel: config.slack.channel ?? null,
    },
    homeTab,
  });
  const server = (await app.start(options.port)) as unknown as Server | undefined;
  if (!options.appToken && options.signingSecret && server && typeof server.listeners === 'function') {
    // Bolt's receiver crashes on some signed-but-garbled payloads; the guard answers those first.
    const [bolt] = server.listeners('request') as RequestListener[];
    if (bolt) {
      server.removeListener('request', bolt);
      server.on('request', guardSlackEvents(bolt, { signingSecret: options.signingSecret, log: c.deps.log }));
    }
  }
  const address = server && typeof server.address === 'function' ? server.address() : null;
  const port = address && typeof address === 'object' ? address.port : options.port;
  c.deps.log.info({ port, socketMode: Boolean(options.appToken), team: identity.team }, 'bot listening');
  return {
    app,
    port,
    stop: async () => {
      homeTab.close();
      c.approvers.stop();
      await (app.stop() as Promise<void>);
    },
  };
}
