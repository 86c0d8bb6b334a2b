import { AppError } from '../../errors.js';

/** How many rows of each kind the seeder writes; derived from the options before any SQL runs. */
export interface SeedPlan {
  services: number;
  routesPerService: number;
  regexRoutes: number;
  keyAuthServices: number;
  rateLimitedServices: number;
  consumers: number;
  keys: number;
  upstreams: number;
  targetsPerUpstream: number;
  rateLimitingMetrics: number;
  fixedConsumers: number;
  fixedKeys: number;
}

export interface SeedPlanInput {
  services: number;
  routesPerService: number;
  consumers: number;
  keysPerConsumer: number;
  upstreams: number;
  targetsPerUpstream: number;
  regexRoutes: number;
  clusterPolicy: boolean;
  rateLimiting: boolean;
  totalRows?: number;
  fixedConsumers: number;
  fixedKeys: number;
}

/** Services with index i % 3 == 0 get key-auth (so service 0, "orders", is protected). */
export const isKeyAuthService = (i: number): boolean => i % 3 === 0;
/** Services with index i % 5 == 1 get rate-limiting. */
export const isRateLimitedService = (i: number): boolean => i % 5 === 1;

const countWhere = (n: number, pred: (i: number) => boolean): number => {
  let c = 0;
  for (let i = 0; i < n; i++) if (pred(i)) c++;
  return c;
};

/** Certificates, snis and ca_certificates: one row each. */
const CERT_ROWS = 3;

export function planSeed(input: SeedPlanInput): SeedPlan {
  for (const [name, value] of Object.entries(input)) {
    if (typeof value === 'number' && (!Number.isInteger(value) || value < 0)) {
      throw new AppError(
        'E_INVALID_INPUT',
        `Seed option ${name} must be a whole number >= 0 (got ${value}).`,
      );
    }
  }
  if (input.services === 0 && input.regexRoutes > 0) {
    throw new AppError('E_INVALID_INPUT', 'Regex routes need at least one service; set services >= 1.');
  }
  const keyAuthServices = countWhere(input.services, isKeyAuthService);
  const rateLimitedServices = input.rateLimiting ? countWhere(input.services, isRateLimitedService) : 0;
  const rateLimitingMetrics = input.clusterPolicy ? rateLimitedServices * 2 : 0;
  const plugins = keyAuthServices + rateLimitedServices + 1;
  const fixed =
    input.services +
    input.services * input.routesPerService +
    input.regexRoutes +
    plugins +
    input.upstreams * (1 + input.targetsPerUpstream) +
    CERT_ROWS +
    rateLimitingMetrics +
    input.fixedConsumers +
    input.fixedKeys;
  let consumers = input.consumers;
  let keys = input.consumers * input.keysPerConsumer;
  if (input.totalRows !== undefined) {
    const remaining = input.totalRows - fixed;
    if (remaining < 0) {
      throw new AppError(
        'E_INVALID_INPUT',
        `totalRows ${input.totalRows} is below the ${fixed} rows the other options already need; raise it or lower the others.`,
      );
    }
    // Consumers plus their keys fill the rest exactly; the first consumers get one key more when it does not divide.
    consumers = Math.ceil(remaining / (1 + input.keysPerConsumer));
    keys = remaining - consumers;
  }
  return {
    services: input.services,
    routesPerService: input.routesPerService,
    regexRoutes: input.regexRoutes,
    keyAuthServices,
    rateLimitedServices,
    consumers,
    keys,
    upstreams: input.upstreams,
    targetsPerUpstream: input.targetsPerUpstream,
    rateLimitingMetrics,
    fixedConsumers: input.fixedConsumers,
    fixedKeys: input.fixedKeys,
  };
}

const SERVICE_WORDS = [
  'orders',
  'payments',
  'users',
  'inventory',
  'catalog',
  'shipping',
  'billing',
  'search',
  'reviews',
  'cart',
  'checkout',
  'accounts',
  'notifications',
  'profiles',
  'invoices',
  'pricing',
  'loyalty',
  'returns',
  'recommendations',
  'media',
];

/** Service i's name: the words first, then "orders-2", "payments-2"… The SQL mirrors this. */
export function serviceName(i: number): string {
  const word = SERVICE_WORDS[i % SERVICE_WORDS.length] ?? 'service';
  return i >= SERVICE_WORDS.length ? `${word}-${Math.floor(i / SERVICE_WORDS.length) + 1}` : word;
}

/** SQL for serviceName() of the integer expression `v`. */
export function serviceNameSql(v: string): string {
  const n = SERVICE_WORDS.length;
  return `((ARRAY[${SERVICE_WORDS.map((w) => `'${w}'`).join(',')}])[1 + ${v} % ${n}]
  || CASE WHEN ${v} >= ${n} THEN '-' || (${v} / ${n} + 1)::text ELSE '' END)`;
}
