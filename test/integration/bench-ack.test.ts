import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, signedStatusRequests } from '../../bench/ack.js';
import { type AckClient, fireRound, startAckClient } from '../../bench/support/ack-client.js';
import { type AckSide, startBareSide } from '../../bench/support/ack-sides.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let slack: FakeSlack;
let bare: AckSide;
let client: AckClient;

beforeAll(async () => {
  slack = await startFakeSlack();
  bare = await startBareSide(slack);
  client = await startAckClient();
});

afterAll(async () => {
  await client?.close();
  await bare?.close();
  await slack?.close();
});

const isOk = (body: string) => body.includes('"text":"ok"');

describe('ack benchmark', () => {
  it('a round measures every request, signed as Slack signs, against a real Bolt receiver', async () => {
    const latencies = await fireRound(bare.eventsUrl, signedStatusRequests(8, ['prod-1']), isOk);
    expect(latencies).toHaveLength(8);
    for (const ms of latencies) expect(ms).toBeGreaterThan(0);
  });

  it('refuses to count a rejected request (bad signature: 401) as a fast ack', async () => {
    const requests = signedStatusRequests(3, ['prod-1'], 'not-the-signing-secret');
    await expect(fireRound(bare.eventsUrl, requests, isOk)).rejects.toThrow(/HTTP 401/);
  });

  it('refuses to count a 200 whose body is not the expected answer', async () => {
    const requests = signedStatusRequests(2, ['prod-1']);
    await expect(fireRound(bare.eventsUrl, requests, (body) => body.includes('prod-1'))).rejects.toThrow(
      /unexpected reply .* HTTP 200/,
    );
  });

  it('the client process fires a round and reports each latency, or the reason it refused one', async () => {
    const latencies = await client.fire(bare.eventsUrl, signedStatusRequests(6, ['prod-1']), ['"text":"ok"']);
    expect(latencies).toHaveLength(6);
    for (const ms of latencies) expect(ms).toBeGreaterThan(0);
    const forged = signedStatusRequests(2, ['prod-1'], 'not-the-signing-secret');
    await expect(client.fire(bare.eventsUrl, forged, ['"text":"ok"'])).rejects.toThrow(/HTTP 401/);
    await expect(
      client.fire(bare.eventsUrl, signedStatusRequests(1, ['prod-1']), ['prod-1']),
    ).rejects.toThrow(/unexpected reply .* HTTP 200/);
  });

  it('a short run against the real bot reports p50/p95/p99 for both sides and a consistent verdict', async () => {
    const lines: string[] = [];
    const result = await run({
      concurrency: 5,
      rounds: 2,
      warmupRounds: 1,
      eventsPerRun: 3,
      progress: (l) => lines.push(l),
    });
    const details = result.details as Record<string, { count: number; p50: number; p99: number }>;
    expect(result.name).toBe('ack');
    expect(details.botMs?.count).toBe(10);
    expect(details.bareBoltMs?.count).toBe(10);
    expect(details.handlerOnlyMs?.count).toBe(25);
    const cpu = result.details.serverCpuMsPerRequest as { bot: number; bareBolt: number; ratio: number };
    expect(cpu.bot).toBeGreaterThan(0);
    expect(cpu.bareBolt).toBeGreaterThan(0);
    expect(cpu.ratio).toBeCloseTo(cpu.bot / cpu.bareBolt, 1);
    const botP99 = details.botMs?.p99 ?? Number.NaN;
    const bareP99 = details.bareBoltMs?.p99 ?? Number.NaN;
    expect(botP99).toBeGreaterThanOrEqual(details.botMs?.p50 ?? Number.POSITIVE_INFINITY);
    expect(result.ratio).toBeCloseTo(botP99 / bareP99, 2);
    expect(result.ok).toBe(result.ratio <= 1.3 && botP99 < 100);
    expect(result.measured).toBe(`p99 ${botP99} ms`);
    expect(result.baseline).toBe(`p99 ${bareP99} ms`);
    expect(lines[0]).toContain('starting the bot');
  });
});
