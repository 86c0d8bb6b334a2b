import { describe, expect, it } from 'vitest';
import { preflightNotes } from '../../jobs/compare.js';
import type { KongNodeInfo } from '../../src/kong/kong-admin.js';
import { type PreflightInput, runPreflightChecks } from '../../src/kong/preflight-checks.js';

const check = (id: string, status: string) => ({ id, status, title: id });

describe('preflightNotes (the live comparison carries the preflight warnings that bear on it)', () => {
  it('notes unsynced rate-limiting counters and Vitals when preflight warned about them', () => {
    const notes = preflightNotes({
      checks: [check('versions', 'pass'), check('rate-limiting-counters', 'warn'), check('vitals', 'warn')],
    });
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(
      /^⚠️ Rate-limiting counters are not synced between X and Y.*429 rates may differ/,
    );
    expect(notes[1]).toMatch(/^⚠️ Vitals is not synced between X and Y/);
  });

  it('says nothing for checks that passed, or for warnings that do not bear on the metrics', () => {
    expect(
      preflightNotes({
        checks: [
          check('rate-limiting-counters', 'pass'),
          check('vitals', 'pass'),
          check('regex-paths', 'warn'),
          check('y-version', 'warn'),
        ],
      }),
    ).toEqual([]);
  });

  it('ignores details it does not understand (no preflight event, older or malformed details)', () => {
    expect(preflightNotes(undefined)).toEqual([]);
    expect(preflightNotes(null)).toEqual([]);
    expect(preflightNotes({})).toEqual([]);
    expect(preflightNotes({ checks: 'rate-limiting-counters' })).toEqual([]);
    expect(preflightNotes({ checks: [{ id: 'vitals' }] })).toEqual([]);
  });

  it('uses the ids the preflight checks really produce', () => {
    const input: PreflightInput = {
      x: nodeInfo('2.8.4', true),
      y: nodeInfo('3.9.1', false),
      expectedYVersion: '3.9.1',
      xEntities: {
        routes: [],
        plugins: [
          {
            id: '6f0b3c2e-9d1a-4a57-9a55-111111111111',
            name: 'rate-limiting',
            enabled: true,
            config: { minute: 60, policy: 'cluster' },
          } as PreflightInput['xEntities']['plugins'][number],
        ],
      },
      pgDump: { clientMajor: 16, serverMajor: 16 },
    };
    const checks = runPreflightChecks(input).map((c) => ({ id: c.id, status: c.status }));
    expect(preflightNotes({ checks })).toHaveLength(2);
  });
});

function nodeInfo(version: string, vitals: boolean): KongNodeInfo {
  return {
    version,
    hostname: 'kong',
    nodeId: '00000000-0000-4000-8000-000000000000',
    plugins: { availableOnServer: ['rate-limiting', 'key-auth'], enabledInCluster: ['rate-limiting'] },
    configuration: { vitals },
  };
}
