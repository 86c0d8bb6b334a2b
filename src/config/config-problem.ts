/** One thing wrong with the config file, located by its key path (e.g. `environments.prod.traffic.router`). */
export interface ConfigProblem {
  path: string;
  message: string;
  hint?: string;
}

const PLAIN_KEY = /^[A-Za-z0-9_$][\w$-]*$/;

/** `['environments', 'prod', 'deploy', 'commands', 0, 1]` → `environments.prod.deploy.commands[0][1]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(top level)' : out;
}
