import type { EnvironmentConfig } from '../config/config-schema.js';
import { configSecrets } from '../config/config-secrets.js';
import type { Run } from '../domain/run.js';
import { maskUrl } from '../mask-url.js';
import { scrubSecrets } from '../scrub-secrets.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';

/** Every step a run would take, with the commands and router calls: what `--dry-run` prints. */
export function describePlan(
  run: Run,
  env: EnvironmentConfig,
  router: Pick<TrafficRouter, 'describe'>,
): string[] {
  const deploy = env.deploy.webhook
    ? [`POST ${maskUrl(env.deploy.webhook.url)} (signed), then wait for Y to report ${env.clusterY.version}`]
    : [
        // `${VAR}` substitutions (a token in an argv) are shown as ****.
        ...env.deploy.commands.map((argv) => `\`${scrubSecrets(argv.join(' '), configSecrets(env))}\``),
        `then wait for Y to report ${env.clusterY.version}`,
      ];
  const rehearsal = env.deploy.rehearsal
    ? `first rehearse on a scratch copy of Y's database (timeout ${env.deploy.rehearsal.timeoutSeconds} s, dropped afterwards): ${env.deploy.rehearsal.commands.map((argv) => `\`${argv.join(' ')}\``).join(', ')}; then `
    : '';
  const lines = [
    `*Plan for ${run.environment}* (${run.planSteps.length} traffic steps, each needs an approval)`,
    '1. Freeze config writes on X and fingerprint its configuration.',
    `2. Back up X: \`pg_dump --format=directory --jobs=${env.backup.jobs}\` into \`${env.backup.dir}/${run.id}/\`, with a sha256 manifest and row counts.`,
    `3. Restore into Y's database (${maskUrl(env.clusterY.databaseUrl)}): \`pg_restore --jobs=${env.backup.jobs} --no-owner\`.`,
    `4. Deploy Y (timeout ${env.deploy.timeoutSeconds} s): ${rehearsal}${deploy.join('; ')}.`,
    `5. Verify: row counts and checksums X vs Y, entity counts through both Admin APIs, ${env.smokeTests.length} smoke test(s) against both proxies.`,
  ];
  let n = 6;
  for (const step of run.planSteps) {
    lines.push(
      `${n}. Approval, then ${router.describe({ x: 100 - step, y: step })}; observe at least ${env.plan.observeSeconds} s comparing X and Y every ${env.metrics.intervalSeconds} s.`,
    );
    n += 1;
  }
  lines.push(`${n}. Approval to complete; the write freeze ends and X can be decommissioned.`);
  lines.push(
    'Any time: a failing comparison proposes a rollback (approval needed); rollback sends 100 % to X.',
  );
  return lines;
}
