import type { Logger } from 'pino';
import type { BotConfig } from '../config/config-schema.js';
import { asAppError } from '../errors.js';
import { metricsSourceFor } from './adapters-for.js';

/**
 * At start-up, asks each environment's metrics source whether its settings can work (e.g. a
 * Prometheus window shorter than twice the scrape interval) and logs what it says. Never blocks or
 * fails the start: the same problem is said again, in the run's thread, at the first comparison.
 */
export async function checkMetricsSources(config: BotConfig, log: Logger, timeoutMs = 10_000): Promise<void> {
  for (const [name, env] of Object.entries(config.environments)) {
    const source = metricsSourceFor(env, log);
    if (!source.check) continue;
    try {
      const problems = await source.check(AbortSignal.timeout(timeoutMs));
      for (const problem of problems) log.warn({ environment: name }, `metrics: ${problem}`);
    } catch (error) {
      log.warn({ environment: name, err: asAppError(error).message }, 'metrics source could not be checked');
    }
  }
}
