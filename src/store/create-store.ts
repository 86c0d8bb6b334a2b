import { type BackupStore, createBackupStore } from './backup-store.js';
import type { Db } from './db.js';
import { createEventLog, type EventLog } from './event-log.js';
import { createGateStore, type GateStore } from './gate-store.js';
import { createMetricSampleStore, type MetricSampleStore } from './metric-sample-store.js';
import { createRunStore, type RunStore } from './run-store.js';
import type { StoreOptions } from './store-options.js';

/** Every repository over one Db handle, for wiring in main.ts. */
export interface Store {
  runs: RunStore;
  events: EventLog;
  gates: GateStore;
  samples: MetricSampleStore;
  backups: BackupStore;
}

export function createStore(db: Db, options: StoreOptions = {}): Store {
  return {
    runs: createRunStore(db, options),
    events: createEventLog(db, options),
    gates: createGateStore(db, options),
    samples: createMetricSampleStore(db),
    backups: createBackupStore(db),
  };
}
