import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kongVersionAtLeast } from './kong-node/kong-version.js';

/** `node --import tsx <cli> up|finish --version v`: the deploy step, as an argv the deploy job runs. */
function migrationCommands(version: string): string[][] {
  const compiled = import.meta.url.endsWith('.js');
  const cli = fileURLToPath(new URL(`./kong-migrations-cli.${compiled ? 'js' : 'ts'}`, import.meta.url));
  const loader = compiled
    ? []
    : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return ['up', 'finish'].map((step) => [process.execPath, ...loader, cli, step, '--version', version]);
}

/**
 * The deploy: Kong's migrations and, after a restore from 2.8 (whose prometheus plugin row sets none of
 * 3.x's metric switches), the step preflight asks for, which turns them on for Y.
 */
export function sandboxDeployCommands(xVersion: string, yVersion: string): string[][] {
  const migrations = migrationCommands(yVersion);
  if (kongVersionAtLeast(xVersion, '3.0.0')) return migrations;
  const [first] = migrations;
  const prefix = first ? first.slice(0, first.length - 3) : [];
  return [...migrations, [...prefix, 'enable-prometheus-metrics']];
}
