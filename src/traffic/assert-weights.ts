import { isValidWeights, type Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';

/** Rejects weights a router must never be asked to apply (caller bug, not a router failure). */
export function assertWeights(weights: Weights): void {
  if (!isValidWeights(weights)) {
    throw new AppError(
      'E_INVALID_INPUT',
      `Traffic weights must be whole percents that add up to 100; got x=${weights.x}, y=${weights.y}.`,
      { details: { weights } },
    );
  }
}
