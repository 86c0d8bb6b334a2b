/** The one place that reads `process.env`; everything else receives the environment as a value. */
export function readProcessEnv(): Record<string, string | undefined> {
  return process.env;
}
