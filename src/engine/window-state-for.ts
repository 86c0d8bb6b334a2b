import { changeWindowsFor } from '../config/change-windows-schema.js';
import type { BotConfig } from '../config/config-schema.js';
import { changeWindowState, type WindowState } from '../domain/change-window-state.js';

/** The change windows of an environment (its own, else the top-level ones) at the database clock `now`. */
export function windowStateFor(config: BotConfig, environment: string, now: Date): WindowState | undefined {
  const windows = changeWindowsFor(config, config.environments[environment]);
  return windows ? changeWindowState(windows, now) : undefined;
}
