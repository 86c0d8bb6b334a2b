import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface BotMetrics {
  registry: Registry;
  jobs: Counter<'job' | 'outcome'>;
  gateDecisions: Counter<'outcome'>;
  slackErrors: Counter<'method' | 'error'>;
  ack: Histogram<'kind'>;
}

/** The bot's own Prometheus metrics (GET /metrics). Runs by phase are read from PostgreSQL at scrape time. */
export function createBotMetrics(runsByPhase: () => Promise<Record<string, number>>): BotMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'kong_upgrade_bot_runs',
    help: 'Runs by phase, from the bot database',
    labelNames: ['phase'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [phase, count] of Object.entries(await runsByPhase())) this.set({ phase }, count);
      } catch {
        // The database is down: /healthz says so; the scrape still answers.
      }
    },
  });
  return {
    registry,
    jobs: new Counter({
      name: 'kong_upgrade_bot_jobs_total',
      help: 'Jobs processed, by outcome',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    gateDecisions: new Counter({
      name: 'kong_upgrade_bot_gate_decisions_total',
      help: 'Approval clicks, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    slackErrors: new Counter({
      name: 'kong_upgrade_bot_slack_api_errors_total',
      help: 'Failed Slack Web API calls',
      labelNames: ['method', 'error'],
      registers: [registry],
    }),
    ack: new Histogram({
      name: 'kong_upgrade_bot_ack_seconds',
      help: 'Time from receiving a slash command or click to acknowledging it',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
