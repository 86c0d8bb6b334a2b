import { z } from 'zod';
import { DATA_PLANES_NOT_READY, DATA_PLANES_READY } from '../domain/decide-data-planes.js';
import { asAppError } from '../errors.js';
import { kongAdminFor } from './adapters-for.js';
import { checkDataPlanes } from './check-data-planes.js';
import type { JobContext } from './job-definition.js';

const shownSchema = z.object({ problems: z.array(z.string()) });

/**
 * For the compare job: Y's data-plane problems (hybrid mode only) and what the thread already shows.
 * An unanswered control plane is a problem too: a gate is never offered on what could not be checked.
 */
export async function dataPlaneReport({
  run,
  env,
  deps,
  signal,
  log,
}: JobContext): Promise<{ dataPlanes?: string[] | null; dataPlanesShown?: string[] | null }> {
  let problems: string[];
  try {
    const y = kongAdminFor(env.clusterY, log, { ...deps.adapters, label: 'Y' });
    const judgement = await checkDataPlanes(y, env.clusterY, signal);
    if (judgement === null) return {};
    problems = judgement.problems;
  } catch (err) {
    if (signal.aborted) throw err;
    problems = [`Y's Admin API could not be asked about its data planes: ${asAppError(err).message}`];
  }
  const [notReady, ready] = await Promise.all([
    deps.store.events.findLatestEvent(run.id, DATA_PLANES_NOT_READY),
    deps.store.events.findLatestEvent(run.id, DATA_PLANES_READY),
  ]);
  const shown =
    notReady && (!ready || notReady.id > ready.id)
      ? (shownSchema.safeParse(notReady.details).data?.problems ?? null)
      : null;
  return { dataPlanes: problems, dataPlanesShown: shown };
}
