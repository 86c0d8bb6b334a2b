import { z } from 'zod';
import { REASON_ACTIONS } from '../domain/reason-required.js';
import { changeWindowsSchema } from './change-windows-schema.js';
import { whenObject } from './common-schemas.js';
import { environmentConfigSchema } from './environment-schema.js';
import { retentionSchema } from './retention-schema.js';

/** Run ids are `<environment>-<n>`, so names stay short, lower-case and dash-separated. */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,30}$/;

export const slackSchema = z.strictObject({
  /** Where run messages go; unset means the channel the command came from. */
  channel: z
    .string()
    .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123456789 (not the #name)')
    .optional(),
});

const userIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user ID such as U0123ABCD');
const groupIdSchema = z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group ID such as S0123ABCD');

export const approvalsSchema = z
  .strictObject({
    approvers: z.array(userIdSchema).default(() => []),
    approverGroups: z.array(groupIdSchema).default(() => []),
    /** Neither the one who started a run nor the one who asked for a step may approve an increase. */
    fourEyes: z.boolean().default(true),
    gateTimeoutMinutes: z.int().min(1).max(10_080).default(60),
    /** Distinct approvers each increase and the completion need. */
    minApprovals: z.int().min(1).max(20).default(1),
    /** Each increase and completion also needs an approver from each of these user groups. */
    requiredGroups: z.array(groupIdSchema).default(() => []),
    /** Besides the approvers, who may start runs (also --dry-run) and ask for steps; empty: anyone. */
    operators: z.array(userIdSchema).default(() => []),
    operatorGroups: z.array(groupIdSchema).default(() => []),
    /** The approvers are mentioned again this long before a gate expires; 0: never. */
    reminderMinutes: z.int().min(0).max(10_080).default(15),
    /** Decisions that need a written reason (and an optional ticket), asked for in a Slack modal. */
    reasonRequired: z
      .array(z.enum(REASON_ACTIONS))
      .refine((a) => new Set(a).size === a.length, 'lists an action twice')
      .default(() => []),
  })
  .superRefine((approvals, ctx) => {
    const users = Array.isArray(approvals.approvers) ? approvals.approvers.length : 0;
    const groups = Array.isArray(approvals.approverGroups) ? approvals.approverGroups.length : 0;
    if (users === 0 && groups === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvers'],
        message: 'nobody could approve: approvers and approverGroups are both empty',
        params: { hint: 'list Slack user IDs (U…) in approvers or user group IDs (S…) in approverGroups' },
      });
    }
    // With only listed users (no groups), an increase needing more approvers than could ever approve
    // it would wait forever; the starter and the requester do not count (fourEyes).
    const min = typeof approvals.minApprovals === 'number' ? approvals.minApprovals : 1;
    if (groups === 0 && users > 0 && min > users) {
      ctx.addIssue({
        code: 'custom',
        path: ['minApprovals'],
        message: `needs ${min} distinct approvers but only ${users} are listed in approvers`,
        params: { hint: 'lower minApprovals, or list more approvers (or an approver group)' },
      });
    }
  }, whenObject);

export const environmentsSchema = z
  .record(z.string(), environmentConfigSchema)
  .superRefine((environments, ctx) => {
    const names = Object.keys(environments);
    if (names.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'must define at least one environment',
        params: { hint: 'e.g. environments: { prod: { clusterX: …, clusterY: … } }' },
      });
    }
    for (const name of names) {
      if (!ENVIRONMENT_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is not a valid environment name',
          params: {
            hint: 'use 1–31 lower-case letters, digits or dashes, starting with a letter (e.g. prod, eu-west)',
          },
        });
      }
    }
  }, whenObject);

export const botConfigSchema = z.strictObject({
  slack: slackSchema.prefault({}),
  approvals: approvalsSchema,
  environments: environmentsSchema,
  retention: retentionSchema.prefault({}),
  /** Optional; an environment's own changeWindows win. */
  changeWindows: changeWindowsSchema.optional(),
});

export type BotConfig = z.infer<typeof botConfigSchema>;
export type SlackConfig = z.infer<typeof slackSchema>;
export type ApprovalsConfig = z.infer<typeof approvalsSchema>;

export type { ClusterConfig, ClusterYConfig } from './cluster-schema.js';
export type {
  BackupConfig,
  DeployConfig,
  EnvironmentConfig,
  PlanConfig,
  SmokeTest,
} from './environment-schema.js';
export type { MetricsConfig, MetricsThresholds, PrometheusConfig } from './metrics-schema.js';
export type {
  KongUpstreamRouterConfig,
  KubernetesGatewayRouterConfig,
  NginxRouterConfig,
  RouterKind,
  TrafficConfig,
  WebhookRouterConfig,
} from './traffic-schema.js';
