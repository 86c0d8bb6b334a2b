import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, SOAK_APPROVER, type SoakReport, soakFigures, soakProblems } from '../support/run-soak.js';

const ENVIRONMENTS = 10;
const STEPS = [50, 100];

/**
 * Issue 8: "a soak of 10 concurrent runs in different environments on the sandbox parts completes
 * with all runs correct". One in-process bot with real workers and job definitions; ten environments,
 * each with its own simulated Kong pair (X seeded, Y empty: real pg_dump, pg_restore, a harmless
 * deploy command, real verify), weighted balancer driven by the webhook router, and load. The ten
 * runs start at once; an approver who did not start them approves every gate. `bench/soak.ts` runs
 * the same with its figures printed.
 */
describe('soak: 10 concurrent runs in different environments', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({
      environments: ENVIRONMENTS,
      steps: STEPS,
      intervalSeconds: 2,
      observeSeconds: 1,
      minRequests: 5,
      ratePerSecond: 8,
      // None: at 100 % Y is judged against X's last window with traffic.
      xDirectPerSecond: 0,
      workerConcurrency: 8,
      timeoutMs: 100_000,
    });
    console.log(JSON.stringify(soakFigures(report)));
  }, 170_000);

  it('every run completes, each router got exactly its plan in order, every decision audited once', () => {
    // On failure, the bot's own warnings say why.
    expect(soakProblems(report), report.botWarnings.slice(0, 20).join('')).toEqual([]);
    expect(report.runs).toHaveLength(ENVIRONMENTS);
    for (const run of report.runs) {
      expect(run.phase).toBe('completed');
      expect(run.appliedWeight).toBe(100);
      expect(run.planSteps).toEqual(STEPS);
      expect(run.routerWeights).toEqual([
        { x: 50, y: 50 },
        { x: 0, y: 100 },
      ]);
      const decisions = run.events
        .filter((e) => e.kind === 'gate.approved')
        .map((e) => [e.details.kind, e.details.targetWeight, e.actor]);
      expect(decisions).toEqual([
        ['shift', 50, SOAK_APPROVER],
        ['shift', 100, SOAK_APPROVER],
        ['complete', 100, SOAK_APPROVER],
      ]);
      expect(run.gates.map((g) => g.status)).toEqual(['approved', 'approved', 'approved']);
      expect(run.clicks).toHaveLength(3);
      expect(run.events.filter((e) => e.kind === 'gate.refused')).toEqual([]);
      // Real preparation happened, in order, once each.
      const milestones = run.events
        .map((e) => e.kind)
        .filter((k) => /^job\.(preflight|backup|restore|deploy|verify)\.succeeded$/.test(k));
      expect(milestones).toEqual([
        'job.preflight.succeeded',
        'job.backup.succeeded',
        'job.restore.succeeded',
        'job.deploy.succeeded',
        'job.verify.succeeded',
      ]);
      // The load really went through the balancer, and nothing failed on the way.
      expect(run.load.balanced?.completed ?? 0).toBeGreaterThan(0);
      expect(run.load.balanced?.failed).toBe(0);
    }
  });

  it('runs did not wait on each other: environments have distinct channels and threads', () => {
    expect(new Set(report.runs.map((r) => r.channel)).size).toBe(ENVIRONMENTS);
    const figures = soakFigures(report);
    expect(figures.completed).toBe(ENVIRONMENTS);
    expect(Object.keys(figures.phases)).toEqual(
      expect.arrayContaining([
        'preflight',
        'backup',
        'restore',
        'deploy',
        'verify',
        'awaiting_gate',
        'shifting',
        'observing',
        'completing',
      ]),
    );
    expect(figures.startAckMs?.count).toBe(ENVIRONMENTS);
    expect(figures.clickAckMs?.count).toBe(3 * ENVIRONMENTS);
  });
});
