import type { Gate, GateKind } from '../../src/domain/gate.js';
import type { Run } from '../../src/domain/run.js';
import type { RandomFaults } from '../../src/sandbox/slack-workspace/workspace-types.js';
import { eventually } from './eventually.js';
import { startFakeSlack } from './fake-slack.js';
import { clickGate, postedGate } from './gate-helpers.js';
import type { KongPair } from './kong-pair.js';
import { seededYDefinitions } from './seeded-y-definitions.js';
import { startTestBot } from './start-test-bot.js';

/**
 * One whole upgrade (Y seeded like X) driven through Slack, with a healthy or a faulty Slack: 429 with
 * Retry-After on 20 % of calls, HTTP 500 on 5 %, the run's channel archived for a few seconds right after
 * the card, and the live comparison message deleted by a person mid-run. Used by the end-to-end test and
 * by the `slack-faults` benchmark, which compares the time to each gate with and without the faults.
 */
export const SLACK_FAULTS: RandomFaults = {
  seed: 20261205,
  rate429: 0.2,
  rate500: 0.05,
  retryAfterSeconds: [1, 3],
  except: ['auth.test'],
};

export interface FaultRunOptions {
  pair: KongPair;
  faulty: boolean;
  /** Y starts answering 30 % 5xx once traffic is split: the run ends in an approved rollback. */
  yFailing: boolean;
  channel: string;
  log?: (line: string) => void;
}

export interface FaultRunResult {
  phase: Run['phase'];
  /**
   * Each gate's message, in order (`shift 50`, `rollback 0`…): milliseconds from the start command, and
   * from the click (or command) before it, which is what Slack's faults can add to.
   */
  gates: Array<{ gate: string; ms: number; sincePreviousMs: number }>;
  /** Every command and click, how long Slack waited for its ack. */
  ackMs: number[];
  ackStatuses: number[];
  /** `job.*.failed` events of the run (there must be none). */
  jobFailures: string[];
  /** The live comparison message was deleted and posted anew. */
  liveReposted: boolean | null;
  totalMs: number;
}

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const OTHER_APPROVER = 'U0APP2';

export async function runThroughSlack(options: FaultRunOptions): Promise<FaultRunResult> {
  const { pair, channel } = options;
  const slack = await startFakeSlack();
  // Each run starts as a real one must: the router sends 100 % to X (an earlier run may have ended at Y).
  pair.router.weights = { x: 100, y: 0 };
  const env = pair.environment({
    metrics: { source: 'kong', intervalSeconds: 1, thresholds: { minRequests: 20 } },
    plan: { steps: [50, 100], observeSeconds: 0 },
  });
  const bot = await startTestBot({
    slack,
    config: {
      slack: { channel },
      approvals: { approvers: [REQUESTER, APPROVER, OTHER_APPROVER], fourEyes: true },
      environments: { prod: env },
    },
    workers: true,
    definitions: seededYDefinitions(),
    // Slack's own pacing (about 1 message/s per channel) and tiers, as in production.
    slackScheduling: { backoffBaseMs: 200 },
    reconcileIntervalMs: 1000,
  });
  const ackMs: number[] = [];
  const ackStatuses: number[] = [];
  const gates: FaultRunResult['gates'] = [];
  const timed = async <T extends { status: number }>(send: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const reply = await send();
    ackMs.push(Date.now() - started);
    ackStatuses.push(reply.status);
    return reply;
  };
  const getRun = async (): Promise<Run> => {
    const run = await bot.composition.store.runs.getRun('prod-1');
    if (!run) throw new Error('no run prod-1');
    return run;
  };
  const t0 = Date.now();
  let previous = t0;
  const gate = async (kind: GateKind, target?: number): Promise<Gate> => {
    const g = await postedGate(bot.composition.store.gates, 'prod-1', { kind, target }, 120_000);
    // When Slack took the message (its ts is the workspace's clock), not when this loop noticed it.
    const now = Math.round(Number(g.messageTs) * 1000);
    gates.push({ gate: `${kind} ${g.targetWeight}`, ms: now - t0, sincePreviousMs: now - previous });
    options.log?.(`${kind} ${g.targetWeight} gate after ${Date.now() - t0} ms`);
    return g;
  };
  const approve = (g: Gate, userId = APPROVER) => {
    previous = Date.now();
    return timed(() => clickGate(bot.requester, g, { userId, channelId: channel }));
  };
  try {
    if (options.faulty) slack.setRandomFaults(SLACK_FAULTS);
    await timed(() =>
      bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: channel }),
    );
    const withCard = await eventually(async () => (await getRun()).cardTs && getRun(), 60_000);
    if (options.faulty) {
      // Someone archives the channel right after the card and unarchives it a few seconds later.
      slack.setChannel(channel, { isArchived: true });
      setTimeout(() => slack.setChannel(channel, { isArchived: false }), 4000).unref();
    }
    void withCard;
    await approve(await gate('shift', 50));
    await eventually(async () => (await getRun()).appliedWeight === 50, 120_000);
    let liveReposted: boolean | null = null;
    if (options.faulty) {
      const first = await eventually(async () => (await getRun()).comparisonTs, 120_000);
      slack.deleteMessage(channel, first);
      const second = await eventually(async () => {
        const ts = (await getRun()).comparisonTs;
        return ts && ts !== first && slack.message(channel, ts) ? ts : null;
      }, 120_000);
      liveReposted = second !== first;
    }
    if (options.yFailing) {
      pair.y.setFaults({ errorRatio: 0.3 });
      await approve(await gate('rollback'));
      await eventually(async () => (await getRun()).phase === 'rolled_back', 120_000);
    } else {
      await approve(await gate('shift', 100));
      await eventually(async () => (await getRun()).appliedWeight === 100, 120_000);
      await approve(await gate('complete'), OTHER_APPROVER);
      await eventually(async () => (await getRun()).phase === 'completed', 120_000);
    }
    const events = await bot.composition.store.events.listEvents('prod-1');
    return {
      phase: (await getRun()).phase,
      gates,
      ackMs,
      ackStatuses,
      jobFailures: events
        .filter((e) => /^job\..*\.failed$/.test(e.kind))
        .map((e) => `${e.kind}: ${String(e.details.message)}`),
      liveReposted,
      totalMs: Date.now() - t0,
    };
  } finally {
    if (process.env.KUB_DUMP_LOGS)
      (await import('node:fs')).writeFileSync(process.env.KUB_DUMP_LOGS, bot.logs.join(''));
    pair.y.setFaults({ errorRatio: 0 });
    await bot.close();
    await slack.close();
  }
}
