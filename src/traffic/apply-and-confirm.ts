import type { Weights } from '../domain/weights.js';
import { AppError, asAppError } from '../errors.js';
import type { TrafficRouter } from './traffic-router.js';

/**
 * Applies the weights, then reads them back. Resolves with what the router reports only when it is
 * what was asked for; the caller records the weight after this resolves, never before. When the apply
 * or the confirmation fails, the router is read once more and what it reports travels with the error
 * (`details.observedWeight`, % to Y): a write that landed part-way (two requests, one refused) must be
 * recorded as the split it left, not as "unchanged".
 */
export async function applyAndConfirm(
  router: TrafficRouter,
  weights: Weights,
  signal?: AbortSignal,
): Promise<Weights> {
  try {
    await router.apply(weights, signal);
  } catch (err) {
    throw await withObservedWeight(router, asAppError(err));
  }
  const actual = await router.read(signal);
  if (actual.x !== weights.x || actual.y !== weights.y) {
    throw new AppError(
      'E_ROUTER_READBACK',
      `The ${router.kind} router accepted x=${weights.x} % / y=${weights.y} % but now reports ` +
        `x=${actual.x} % / y=${actual.y} %. The weight was not recorded; check whether something else ` +
        'changes the router, then retry the step or roll back.',
      {
        retryable: true,
        details: { expected: weights, actual, router: router.kind, observedWeight: actual.y },
      },
    );
  }
  return actual;
}

async function withObservedWeight(router: TrafficRouter, error: AppError): Promise<AppError> {
  // A fresh signal: the step's own may be what aborted the apply, and the split must still be known.
  const observed = await router.read(AbortSignal.timeout(10_000)).catch(() => null);
  if (observed === null) return error;
  return new AppError(error.code, error.message, {
    retryable: error.retryable,
    cause: error.cause ?? error,
    details: { ...error.details, observedWeight: observed.y },
  });
}
