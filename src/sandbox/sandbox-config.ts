import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import { maskUrl } from '../mask-url.js';

/** Environment variables the written file refers to, so that no secret is written to disk. */
export const SANDBOX_SECRET_VARS = {
  routerSecret: 'KONG_SANDBOX_ROUTER_SECRET',
  xDatabaseUrl: 'KONG_SANDBOX_X_DATABASE_URL',
  yDatabaseUrl: 'KONG_SANDBOX_Y_DATABASE_URL',
} as const;

export const SANDBOX_CHANNEL = 'C0SANDBOX1';
export const SANDBOX_ENVIRONMENT = 'sandbox';
export const SANDBOX_APPROVERS = ['U0SBAPP', 'U0SBAP2'] as const;

interface SandboxCluster {
  adminUrl: string;
  proxyUrl: string;
  /** Every node's /metrics (one per node of the cluster). */
  metricsUrls: string[];
  databaseUrl: string;
}

export interface SandboxConfigInput {
  x: SandboxCluster;
  /** `minDataPlanes`: Y is a hybrid control plane with that many data planes. */
  y: SandboxCluster & { version: string; minDataPlanes?: number };
  /** The weighted balancer's control endpoint (the webhook router's `url`). */
  routerUrl: string;
  backupDir: string;
  deployCommands: string[][];
  smoke: { path: string; key: string };
  observeSeconds: number;
  intervalSeconds: number;
  minRequests: number;
  /** Requests per second the load generator sends; only used in a comment. */
  loadRate: number;
  /** Governance to try on the page: distinct approvers per step, decisions that need a reason. */
  governance?: { minApprovals?: number; reasonRequired?: ('reject' | 'rollback')[] };
}

const ref = (name: string) => `\${${name}}`;

/** The sandbox's config as plain data (secrets as `${VAR}` references). */
export function sandboxConfig(input: SandboxConfigInput): Record<string, unknown> {
  const cluster = (c: SandboxCluster, databaseVar: string) => ({
    adminUrl: c.adminUrl,
    proxyUrl: c.proxyUrl,
    ...(c.metricsUrls.length === 1 ? { metricsUrl: c.metricsUrls[0] } : { metricsUrls: c.metricsUrls }),
    databaseUrl: ref(databaseVar),
  });
  return {
    slack: { channel: SANDBOX_CHANNEL },
    approvals: {
      approvers: [...SANDBOX_APPROVERS],
      fourEyes: true,
      gateTimeoutMinutes: 60,
      ...(input.governance?.minApprovals ? { minApprovals: input.governance.minApprovals } : {}),
      ...(input.governance?.reasonRequired ? { reasonRequired: input.governance.reasonRequired } : {}),
    },
    environments: {
      [SANDBOX_ENVIRONMENT]: {
        clusterX: cluster(input.x, SANDBOX_SECRET_VARS.xDatabaseUrl),
        clusterY: {
          ...cluster(input.y, SANDBOX_SECRET_VARS.yDatabaseUrl),
          version: input.y.version,
          ...(input.y.minDataPlanes ? { minDataPlanes: input.y.minDataPlanes } : {}),
        },
        backup: { dir: input.backupDir, jobs: 2 },
        deploy: { commands: input.deployCommands, timeoutSeconds: 120 },
        traffic: {
          router: 'webhook',
          webhook: { url: input.routerUrl, secret: ref(SANDBOX_SECRET_VARS.routerSecret) },
        },
        plan: { steps: [5, 25, 50, 100], observeSeconds: input.observeSeconds },
        metrics: {
          source: 'kong',
          intervalSeconds: input.intervalSeconds,
          thresholds: { minRequests: input.minRequests },
        },
        smokeTests: [
          {
            name: 'key-auth rejects anonymous',
            request: { method: 'GET', path: input.smoke.path },
            expect: { status: 401 },
          },
          {
            name: 'key-auth accepts a valid key',
            request: { method: 'GET', path: input.smoke.path, headers: { apikey: input.smoke.key } },
            expect: { status: 200 },
          },
        ],
      },
    },
  };
}

function commentKey(doc: Document, path: string[], text: string): void {
  const parent = doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
  if (pair && isScalar(pair.key)) pair.key.commentBefore = text;
}

/** The YAML text, with comments saying what each part points at and why the demo values are small. */
export function sandboxConfigText(input: SandboxConfigInput): string {
  const doc = new Document(sandboxConfig(input));
  const env = ['environments', SANDBOX_ENVIRONMENT];
  const perWindow = (input.loadRate * 0.05 * input.intervalSeconds).toFixed(1);
  doc.commentBefore = [
    ' kong-upgrade-bot sandbox config, written by `npm run sandbox` (every start rewrites it).',
    ' Everything points at local stand-ins: simulated Kong X and Y on real PostgreSQL databases,',
    ' a weighted load balancer driven by the webhook router, and the simulated Slack workspace.',
    ` Secrets are \${VAR} references filled in by the sandbox process: ${Object.values(SANDBOX_SECRET_VARS).join(', ')}.`,
  ].join('\n');
  commentKey(doc, [...env, 'clusterX'], ` X: Kong 3.4 on ${maskUrl(input.x.databaseUrl)} (seeded)`);
  commentKey(
    doc,
    [...env, 'clusterY'],
    ` Y: Kong ${input.y.version} on ${maskUrl(input.y.databaseUrl)} (empty until the restore)`,
  );
  commentKey(
    doc,
    [...env, 'deploy'],
    " Stand-in for `kong migrations up/finish`: brings Y's restored 3.4 schema to the new version.",
  );
  commentKey(doc, [...env, 'plan'], ' Short observation for a demo; production waits minutes at each step.');
  commentKey(
    doc,
    [...env, 'metrics', 'thresholds', 'minRequests'],
    ` Low for the demo rate: at ${input.loadRate} req/s and 5 % on Y, Y sees about ${perWindow} requests per\n ${input.intervalSeconds} s window. Production uses hundreds (default 200) for a meaningful verdict.`,
  );
  // Short lists of plain values (argv, steps, approvers) read better on one line.
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every(isScalar)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** Writes the config file (creating its directory) and returns its path. */
export async function writeSandboxConfig(path: string, input: SandboxConfigInput): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, sandboxConfigText(input), { mode: 0o600 });
  return path;
}
