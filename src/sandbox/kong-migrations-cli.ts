import { readProcessEnv } from '../config/read-process-env.js';
import { isAppError } from '../errors.js';
import { createKongSchema } from './create-kong-schema.js';
import { kongPgUrl } from './kong-pg-url.js';

/**
 * The sandbox's `kong migrations up|finish --version <v>`: brings the database named by KONG_PG_* to
 * Kong <v>'s schema, as the real commands do for Y after the restore. Both steps run the missing
 * migrations (the simulated node has no pending/finished split), so running either twice is a no-op.
 */
const USAGE = 'usage: kong-migrations-cli.ts <up|finish> --version <kong version>';

async function main(argv: string[]): Promise<number> {
  const [step, flag, version] = argv;
  if ((step !== 'up' && step !== 'finish') || flag !== '--version' || !version || argv.length !== 3) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const url = kongPgUrl(readProcessEnv());
  const { applied } = await createKongSchema(url, { version });
  process.stdout.write(
    applied.length === 0
      ? `migrations ${step}: database is already up to date for Kong ${version}\n`
      : `migrations ${step}: ${applied.length} migration${applied.length === 1 ? '' : 's'} run for Kong ${version}: ${applied.join(', ')}\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // AppError messages are written for people and never hold the password; anything else might.
    process.stderr.write(
      `migrations failed: ${isAppError(error) ? error.message : 'unexpected error (see the sandbox logs)'}\n`,
    );
    process.exit(1);
  },
);
