/**
 * ack benchmark (docs/contract.md#performance-targets): p99 client-side latency of `/kong-upgrade status [<run>]` at 50 concurrent
 * signed requests against the real bot (Bolt HTTP receiver, PostgreSQL, BullMQ), versus a bare Bolt app
 * on the same kind of receiver that acks at once, measured in the same run with the rounds alternating
 * between the two sides. The load comes from a client in its own process (as Slack is another machine),
 * so responses are timed as they arrive, not when a loop shared with the servers gets round to them.
 * Target: p99 ratio bot/bare ≤ 1.3, and bot p99 < 100 ms.
 * Run: npx tsx bench/ack.ts
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  buildSlashCommandBody,
  SLACK_FORM_CONTENT_TYPE,
  signSlackRequest,
} from '../src/slack/sign-slack-request.js';
import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { type AckClient, type SignedRequest, startAckClient } from './support/ack-client.js';
import {
  BENCH_CHANNEL,
  BENCH_SIGNING_SECRET,
  type BotSide,
  DEFAULT_EVENTS_PER_RUN,
  startBareSide,
  startBotSide,
} from './support/ack-sides.js';
import type { BenchResult } from './support/bench-result.js';
import { summarizeLatencies } from './support/percentile.js';

const MAX_RATIO = 1.3;
const MAX_BOT_P99_MS = 100;

export interface AckBenchOptions {
  /** Requests in flight at once (default 50). */
  concurrency?: number;
  /** Measured rounds per side (default 40: 2,000 requests per side at 50). */
  rounds?: number;
  /** Unmeasured rounds per side first, so both sides are measured with their code compiled (default 10). */
  warmupRounds?: number;
  /** Audit events added to each run before measuring (default 40); status shows the newest five. */
  eventsPerRun?: number;
  progress?: (line: string) => void;
}

/** `status <run>` for each run in turn and, as often as each of them, bare `status` (the channel's newest). */
function statusText(i: number, runIds: readonly string[]): string {
  const id = runIds[i % (runIds.length + 1)];
  return id ? `status ${id}` : 'status';
}

/** Signed just before a round (fresh timestamps), so signing is not part of the measured time. */
export function signedStatusRequests(
  count: number,
  runIds: readonly string[],
  signingSecret = BENCH_SIGNING_SECRET,
): SignedRequest[] {
  const timestamp = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => {
    const body = buildSlashCommandBody({
      channel_id: BENCH_CHANNEL,
      user_id: `U0BENCH${String(i % 10).padStart(2, '0')}`,
      command: '/kong-upgrade',
      text: statusText(i, runIds),
      response_url: 'http://127.0.0.1:9/response/unused',
      trigger_id: `${timestamp}.${randomBytes(4).toString('hex')}`,
    });
    const signed = signSlackRequest({ body, signingSecret, timestamp });
    return { body, headers: { 'content-type': SLACK_FORM_CONTENT_TYPE, ...signed } };
  });
}

/** The command handler alone at the same concurrency: what the ack path costs without HTTP and Bolt. */
async function measureHandlerOnly(bot: BotSide, concurrency: number, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const latencies = await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const started = performance.now();
        await bot.handleCommand({
          text: statusText(i, bot.runIds),
          userId: 'U0BENCH01',
          channelId: BENCH_CHANNEL,
        });
        return performance.now() - started;
      }),
    );
    if (r > 0) samples.push(...latencies);
  }
  return samples;
}

export async function run(options: AckBenchOptions = {}): Promise<BenchResult> {
  const concurrency = options.concurrency ?? 50;
  const rounds = options.rounds ?? 40;
  const warmupRounds = options.warmupRounds ?? 10;
  const progress = options.progress ?? (() => undefined);
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const slack: FakeSlack = await startFakeSlack();
    closers.push(() => slack.close());
    progress('ack: starting the bot (fresh database, 3 active runs) and a bare Bolt app');
    const bot = await startBotSide(slack, options.eventsPerRun);
    closers.push(() => bot.close());
    const bare = await startBareSide(slack);
    closers.push(() => bare.close());

    const client: AckClient = await startAckClient();
    closers.push(() => client.close());
    // The bot's reply names the run; the bare app answers "ok".
    const botOk = bot.runIds;
    const bareOk = ['"text":"ok"'];
    const samples = { bot: [] as number[], bare: [] as number[] };
    // CPU the servers' process spent on each side's measured rounds: steadier than p99 on a busy machine.
    const cpuMs = { bot: 0, bare: 0 };
    const total = warmupRounds + rounds;
    for (let r = 0; r < total; r++) {
      const measured = r >= warmupRounds;
      if (r === warmupRounds) bot.resetAckHistogram();
      // Alternate which side goes first, so neither always runs right after the other's garbage.
      const order = r % 2 === 0 ? (['bot', 'bare'] as const) : (['bare', 'bot'] as const);
      for (const which of order) {
        const cpuBefore = process.cpuUsage();
        const latencies =
          which === 'bot'
            ? await client.fire(bot.eventsUrl, signedStatusRequests(concurrency, bot.runIds), botOk)
            : await client.fire(bare.eventsUrl, signedStatusRequests(concurrency, bot.runIds), bareOk);
        const cpu = process.cpuUsage(cpuBefore);
        if (measured) {
          samples[which].push(...latencies);
          cpuMs[which] += (cpu.user + cpu.system) / 1000;
        }
      }
      if (measured && (r - warmupRounds + 1) % 10 === 0)
        progress(
          `ack: ${r - warmupRounds + 1}/${rounds} rounds of ${concurrency} concurrent requests per side`,
        );
    }
    const serverAck = await bot.ackHistogram();
    const handlerOnly = summarizeLatencies(await measureHandlerOnly(bot, concurrency, 6));

    const botStats = summarizeLatencies(samples.bot);
    const bareStats = summarizeLatencies(samples.bare);
    const ratio = Number((botStats.p99 / bareStats.p99).toFixed(3));
    const ok = ratio <= MAX_RATIO && botStats.p99 < MAX_BOT_P99_MS;
    const why: string[] = [];
    if (ratio > MAX_RATIO) why.push(`p99 ratio ${ratio} > ${MAX_RATIO}`);
    if (botStats.p99 >= MAX_BOT_P99_MS) why.push(`bot p99 ${botStats.p99} ms ≥ ${MAX_BOT_P99_MS} ms`);
    return {
      name: 'ack',
      ratio,
      target: `p99 ≤ ${MAX_RATIO}× bare Bolt, and < ${MAX_BOT_P99_MS} ms`,
      ok,
      measured: `p99 ${botStats.p99} ms`,
      baseline: `p99 ${bareStats.p99} ms`,
      details: {
        concurrency,
        rounds,
        eventsPerRun: options.eventsPerRun ?? DEFAULT_EVENTS_PER_RUN,
        cpus: cpus().length,
        loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
        warmupRounds,
        requestsPerSide: samples.bot.length,
        botMs: botStats,
        bareBoltMs: bareStats,
        handlerOnlyMs: handlerOnly,
        serverCpuMsPerRequest: {
          bot: Number((cpuMs.bot / samples.bot.length).toFixed(3)),
          bareBolt: Number((cpuMs.bare / samples.bare.length).toFixed(3)),
          ratio: Number((cpuMs.bot / cpuMs.bare).toFixed(3)),
        },
        botServerSideAckMeanMs:
          serverAck.count > 0 ? Math.round((serverAck.sum / serverAck.count) * 100_000) / 100 : null,
        ...(why.length > 0 ? { why: why.join('; ') } : {}),
      },
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run({ progress: (line) => console.log(line) });
  console.log(JSON.stringify(result, null, 2));
  console.log(`${result.name}: ${result.ratio}× (target ${result.target}) ${result.ok ? 'PASS' : 'MISS'}`);
  if (!result.ok) process.exitCode = 1;
  // Bolt's and BullMQ's sockets may linger a moment; the measurement is done.
  process.exit();
}
