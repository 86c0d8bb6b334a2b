// `npm run build` step after tsc: tsc emits only JavaScript, so every other file the code reads at
// run time (SQL migrations, the sandbox's Kong schema…) is copied next to the compiled code, and
// dist/ runs without the sources.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['src', 'jobs'];
const CODE = /\.(ts|tsx|mts|cts)$/;

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!CODE.test(name)) cpSync(path, join('dist', path));
  }
}

for (const root of ROOTS) copyAssets(root);
