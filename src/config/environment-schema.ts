import { z } from 'zod';
import { DEFAULT_PLAN_STEPS, validatePlanSteps } from '../domain/plan.js';
import { changeWindowsSchema } from './change-windows-schema.js';
import { clusterSchema, clusterYSchema } from './cluster-schema.js';
import {
  argvSchema,
  httpUrlSchema,
  nonEmptyStringSchema,
  secretSchema,
  whenObject,
} from './common-schemas.js';
import { metricsSchema } from './metrics-schema.js';
import { trafficSchema } from './traffic-schema.js';

export const backupSchema = z.strictObject({
  dir: nonEmptyStringSchema,
  /** Parallel pg_dump/pg_restore jobs (directory format). */
  jobs: z.int().min(1).max(64).default(4),
});

// The bot's own credentials never reach a deploy command, even when named.
const BOT_CREDENTIALS = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
];

const deployEnvNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits and _)')
  .refine((name) => !BOT_CREDENTIALS.includes(name), {
    message: "names one of the bot's own credentials, which no deploy command may see",
  });
/** Migration rehearsal: the commands run first against a scratch copy of Y's restored database. */
export const rehearsalSchema = z.strictObject({
  commands: z
    .array(argvSchema)
    .min(1, 'must list at least one command, e.g. [[kong, migrations, up, --yes]]'),
  timeoutSeconds: z.int().min(1).max(86_400).default(900),
});
export type RehearsalConfig = z.infer<typeof rehearsalSchema>;

const deployBaseSchema = z
  .strictObject({
    /** argv arrays, run in order, no shell. */
    commands: z.array(argvSchema).min(1, 'must list at least one command').optional(),
    webhook: z
      .strictObject({
        url: httpUrlSchema('https://ci.example/deploy'),
        secret: secretSchema,
        /** Sign the body only, without X-Signature-Timestamp (replayable; for receivers not yet updated). */
        legacySignature: z.boolean().optional(),
      })
      .optional(),
    timeoutSeconds: z.int().min(1).max(86_400).default(900),
    /** Names of worker variables the commands also get (their values are secrets); see deployChildEnv. */
    env: z.array(deployEnvNameSchema).default([]),
    rehearsal: rehearsalSchema.optional(),
  })
  .superRefine((deploy, ctx) => {
    if (deploy.commands !== undefined && deploy.webhook !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhook'],
        message: 'cannot be used together with commands',
        params: { hint: 'keep either commands or webhook, not both' },
      });
    } else if (deploy.commands === undefined && deploy.webhook === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['commands'],
        message: 'is required (or webhook): the bot needs to know how to deploy Y',
        params: { hint: 'e.g. commands: [[kong, migrations, up, --yes]] or webhook: { url, secret }' },
      });
    }
  }, whenObject);

type DeployBase = z.output<typeof deployBaseSchema>;

/** Exactly one of `commands` / `webhook` is set. */
export type DeployConfig =
  | (DeployBase & { commands: string[][]; webhook?: undefined })
  | (DeployBase & { commands?: undefined; webhook: NonNullable<DeployBase['webhook']> });

export const deploySchema = deployBaseSchema.transform((deploy): DeployConfig => deploy as DeployConfig);

export const planSchema = z.strictObject({
  steps: z
    .array(z.number())
    .superRefine((steps, ctx) => {
      const problem = validatePlanSteps(steps);
      if (problem !== null) {
        ctx.addIssue({ code: 'custom', message: problem, params: { hint: 'for example [5, 25, 50, 100]' } });
      }
    })
    .default(() => [...DEFAULT_PLAN_STEPS]),
  /** Least time at a step before the next gate is posted. */
  observeSeconds: z.int().min(0).max(86_400).default(600),
});

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const smokeTestSchema = z.strictObject({
  name: nonEmptyStringSchema,
  request: z.strictObject({
    method: z.enum(HTTP_METHODS).default('GET'),
    path: z.string().startsWith('/', 'must start with / (it is appended to each cluster proxyUrl)'),
    headers: z.record(z.string().min(1), z.string()).default(() => ({})),
    body: z.string().optional(),
  }),
  expect: z.strictObject({
    status: z.int().min(100).max(599),
    /** Optional text the response body must contain. */
    bodyContains: z.string().optional(),
  }),
});

export const environmentConfigSchema = z.strictObject({
  clusterX: clusterSchema,
  clusterY: clusterYSchema,
  backup: backupSchema,
  deploy: deploySchema,
  traffic: trafficSchema,
  plan: planSchema.prefault({}),
  metrics: metricsSchema,
  smokeTests: z.array(smokeTestSchema).default(() => []),
  changeWindows: changeWindowsSchema.optional(),
});

export type BackupConfig = z.infer<typeof backupSchema>;
export type PlanConfig = z.infer<typeof planSchema>;
export type SmokeTest = z.infer<typeof smokeTestSchema>;
export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;
