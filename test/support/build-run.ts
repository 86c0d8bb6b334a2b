import type { Gate } from '../../src/domain/gate.js';
import type { Run } from '../../src/domain/run.js';

const T0 = new Date('2026-01-01T00:00:00Z');

export function buildRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 'prod-7',
    environment: 'prod',
    number: 7,
    phase: 'preflight',
    paused: false,
    dryRun: false,
    requestedBy: 'U0REQ',
    channel: 'C0CHAN',
    cardTs: '1700000000.000100',
    threadTs: '1700000000.000100',
    comparisonTs: null,
    fromVersion: '2.8.4',
    toVersion: '3.9.1',
    planSteps: [5, 25, 50, 100],
    appliedWeight: null,
    stepIndex: -1,
    xFingerprinted: false,
    failureReason: null,
    failedPhase: null,
    createdAt: T0,
    updatedAt: T0,
    phaseStartedAt: T0,
    finishedAt: null,
    version: 1,
    stepStartedAt: null,
    stepFailing: false,
    lastVerdict: null,
    driftDetected: false,
    inFlightGateId: null,
    ...overrides,
  };
}

export function buildGate(overrides: Partial<Gate> = {}): Gate {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    runId: 'prod-7',
    kind: 'shift',
    targetWeight: 5,
    status: 'pending',
    requestedBy: null,
    requestedAt: T0,
    expiresAt: new Date(T0.getTime() + 3_600_000),
    decidedBy: null,
    decidedAt: null,
    messageTs: '1700000000.000200',
    comparison: null,
    requiredApprovals: 1,
    ...overrides,
  };
}
