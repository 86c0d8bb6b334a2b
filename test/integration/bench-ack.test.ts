import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireRound, run, signedStatusRequests } from '../../bench/ack.js';
import { type AckSide, startBareSide } from '../../bench/support/ack-sides.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let slack: FakeSlack;
let bare: AckSide;

beforeAll(async () => {
  slack = await startFakeSlack();
  bare = await startBareSide(slack);
});

afterAll(async () => {
  await bare?.close();
  await slack?.close();
});

const isOk = (body: string) => body.includes('"text":"ok"');

describe('ack benchmark', () => {
  it('a round measures every request, signed as Slack signs, against a real Bolt receiver', async () => {
    const latencies = await fireRound(bare, signedStatusRequests(8, ['prod-1']), isOk);
    expect(latencies).toHaveLength(8);
    for (const ms of latencies) expect(ms).toBeGreaterThan(0);
  });

  it('refuses to count a rejected request (bad signature: 401) as a fast ack', async () => {
    const requests = signedStatusRequests(3, ['prod-1'], 'not-the-signing-secret');
    await expect(fireRound(bare, requests, isOk)).rejects.toThrow(/HTTP 401/);
  });

  it('refuses to count a 200 whose body is not the expected answer', async () => {
    const requests = signedStatusRequests(2, ['prod-1']);
    await expect(fireRound(bare, requests, (body) => body.includes('prod-1'))).rejects.toThrow(
      /unexpected reply .* HTTP 200/,
    );
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
