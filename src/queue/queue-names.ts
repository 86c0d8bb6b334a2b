/** One queue carries every job of every run; the job name selects the processor in jobs/. */
export const RUN_QUEUE = 'kong-upgrade';

/** Default BullMQ key prefix; tests pass a unique one so parallel files never collide. */
export const DEFAULT_QUEUE_PREFIX = 'kub';
