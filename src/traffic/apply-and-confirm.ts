import type { Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';
import type { TrafficRouter } from './traffic-router.js';

/**
 * Applies the weights, then reads them back. Resolves with what the router reports only when it is
 * what was asked for; the caller records the weight after this resolves, never before.
 */
export async function applyAndConfirm(
  router: TrafficRouter,
  weights: Weights,
  signal?: AbortSignal,
): Promise<Weights> {
  await router.apply(weights, signal);
  const actual = await router.read(signal);
  if (actual.x !== weights.x || actual.y !== weights.y) {
    throw new AppError(
      'E_ROUTER_READBACK',
      `The ${router.kind} router accepted x=${weights.x} % / y=${weights.y} % but now reports ` +
        `x=${actual.x} % / y=${actual.y} %. The weight was not recorded; check whether something else ` +
        'changes the router, then retry the step or roll back.',
      { retryable: true, details: { expected: weights, actual, router: router.kind } },
    );
  }
  return actual;
}
