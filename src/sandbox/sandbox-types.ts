import type { DestinationStream, Logger } from 'pino';
import type { Composition } from '../app/compose.js';
import type { BotConfig } from '../config/config-schema.js';
import type { JobDefinition } from '../engine/job-definition.js';
import type { LoadGenerator } from './load-generator.js';
import type { SeedKongDatabaseOptions } from './seed-kong-database.js';
import type { SimulatedKongCluster } from './simulated-kong-cluster.js';
import type { SimulatedKongNode } from './simulated-kong-node.js';
import type { SlackWorkspace } from './slack-workspace/workspace-types.js';
import type { WeightedBalancer } from './weighted-balancer.js';

/** What `startSandbox` takes and gives. */

export interface StartSandboxOptions {
  /** Any URL of the PostgreSQL server the sandbox creates its databases on (only host and login are used). */
  databaseUrl: string;
  redisUrl: string;
  /** The page's port (the simulated Slack workspace). Default 3000; 0 picks a free one. */
  port?: number;
  /** Gives this sandbox databases, queue prefix and work directory of its own (tests). */
  name?: string;
  /** Parent of the work directory (config file, backups). Default the OS temp directory. */
  baseDir?: string;
  /** Default 20 s at each step before the next gate. */
  observeSeconds?: number;
  /** Default 5 s between metric comparisons. */
  intervalSeconds?: number;
  /** Default 5: low, so the demo rate gives verdicts at 5 % (see the comment in the written file). */
  minRequests?: number;
  /** Requests per second of the load generator. Default 30. */
  loadRate?: number;
  /** X's Kong version (default SANDBOX_X_VERSION); a 2.8.x X exports Kong 2.8's Prometheus catalogue. */
  xVersion?: string;
  /** Overrides of X's seeded configuration (tests make it smaller). */
  seed?: SeedKongDatabaseOptions;
  /** The job processors (default: all of jobs/, as in production). */
  definitions?: readonly JobDefinition[];
  logLevel?: string;
  logDestination?: DestinationStream;
  /**
   * Drop the databases, empty the queue and delete the work directory on stop. A start that fails
   * removes them whatever this says.
   */
  removeOnStop?: boolean;
  /** Y as a hybrid control plane with two data planes (`sandbox.y.setDataPlane` puts one out of sync). */
  hybridY?: boolean;
  /** Nodes per cluster (default 1), behind a round-robin balancer each; Y's faults hit its first node. */
  nodes?: number;
  /** Kong Enterprise workspaces: X (and so Y) gets a second workspace, `team-b`, with a service. */
  workspaces?: boolean;
  /** Both approvers for every step, and a reason for every reject and rollback (tried on the page). */
  governance?: boolean;
}

export interface SandboxUrls {
  page: string;
  slackApi: string;
  bot: string;
  xAdmin: string;
  xProxy: string;
  yAdmin: string;
  yProxy: string;
  balancer: string;
  balancerControl: string;
}

export interface Sandbox {
  urls: SandboxUrls;
  configPath: string;
  config: BotConfig;
  workspace: SlackWorkspace;
  /** X's and Y's first node (the one the page's faults reach). */
  x: SimulatedKongNode;
  y: SimulatedKongNode;
  xCluster: SimulatedKongCluster;
  yCluster: SimulatedKongCluster;
  balancer: WeightedBalancer;
  load: LoadGenerator;
  composition: Composition;
  log: Logger;
  /** Stops every server, worker and connection the sandbox started. Safe to call twice. */
  stop(): Promise<void>;
}
