import type { DataPlaneJudgement } from '../domain/judge-data-planes.js';
import { AppError, asAppError } from '../errors.js';
import type { KongAdmin } from '../kong/kong-admin.js';
import { sleep } from '../sleep.js';
import {
  checkDataPlanes,
  DATA_PLANES_REMEDY,
  describeDataPlaneProblems,
  type minDataPlanesFor,
} from './check-data-planes.js';

export interface WaitForDataPlanesOptions {
  admin: KongAdmin;
  cluster: Parameters<typeof minDataPlanesFor>[0];
  timeoutMs: number;
  intervalMs: number;
  signal: AbortSignal;
  /** Called when the list of problems changes (first poll included), e.g. to post it to the thread. */
  onProblems?: (problems: string[]) => void | Promise<void>;
}

/**
 * After the deploy: polls Y's control plane until its data planes are ready (docs/contract.md#kong-as-it-really-runs). Null when Y
 * is not a control plane. On timeout, E_DATA_PLANES_NOT_READY names every data plane still wrong.
 */
export async function waitForDataPlanes(o: WaitForDataPlanesOptions): Promise<DataPlaneJudgement | null> {
  const deadline = Date.now() + o.timeoutMs;
  let shown = '';
  let last: string[] = [];
  for (;;) {
    let judgement: DataPlaneJudgement | null;
    try {
      judgement = await checkDataPlanes(o.admin, o.cluster, o.signal);
    } catch (err) {
      if (o.signal.aborted) throw err;
      judgement = {
        ready: false,
        connected: 0,
        problems: [`Y's Admin API could not be asked about its data planes: ${asAppError(err).message}`],
      };
    }
    if (judgement === null || judgement.ready) return judgement;
    last = judgement.problems;
    const text = last.join('\n');
    if (text !== shown) {
      shown = text;
      await o.onProblems?.(last);
    }
    if (Date.now() + o.intervalMs > deadline) break;
    await sleep(o.intervalMs, o.signal);
  }
  throw new AppError(
    'E_DATA_PLANES_NOT_READY',
    `Y's data planes were not ready within ${Math.round(o.timeoutMs / 1000)} s:\n${describeDataPlaneProblems(last)}`,
    { details: { problems: last, remedy: `No traffic was moved. ${DATA_PLANES_REMEDY}` } },
  );
}
