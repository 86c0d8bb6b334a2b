import { JOB_DEFINITIONS } from '../../jobs/index.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';

/** The jobs that prepare Y; a Kong pair started with `seedY: true` already has Y like X. */
export const Y_PREPARATION_JOBS = ['backup', 'restore', 'deploy', 'verify'] as const;

/**
 * Every real job, except that backup, restore, deploy and verify succeed at once: for whole-bot tests
 * about gates, traffic and metrics, where Y was seeded like X and preparing it again only costs time.
 */
export function seededYDefinitions(): JobDefinition[] {
  const skip = (name: (typeof Y_PREPARATION_JOBS)[number]): JobDefinition => ({
    name,
    phase: name,
    run: async () => ({ type: 'succeeded', summary: `${name}: not part of this run (Y was seeded like X)` }),
  });
  return [
    ...JOB_DEFINITIONS.filter((d) => !(Y_PREPARATION_JOBS as readonly string[]).includes(d.name)),
    ...Y_PREPARATION_JOBS.map(skip),
  ];
}
