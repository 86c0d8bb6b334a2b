import { AppError } from '../errors.js';

/**
 * The same error (code, message, retryable) with a plain-words next step in `details.remedy`,
 * which the run's failure line shows after the message. A remedy already set is kept.
 */
export function withRemedy(error: AppError, remedy: string): AppError {
  if (typeof error.details.remedy === 'string') return error;
  return new AppError(error.code, error.message, {
    retryable: error.retryable,
    cause: error.cause ?? error,
    details: { ...error.details, remedy },
  });
}
