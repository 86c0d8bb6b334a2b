import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of docs/architecture.md, checked over the real import graph of src/ and jobs/: the core is pure
 * (`domain` imports nothing outside itself, not even a package), adapters never reach up into `engine`
 * or `slack`, and no module takes part in an import cycle (type-only imports count: a cycle of types
 * is still two modules that cannot be understood one without the other).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const ADAPTERS = ['kong', 'backup', 'traffic', 'metrics', 'store', 'deploy', 'config', 'queue'];
// The one place BullMQ meets the job runner: it takes the engine's job types to run them. Wiring, not
// an adapter; listed by name so that nothing else slips in.
const ALLOWED_UPWARD = new Set(['src/queue/create-worker.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

// `import … from '…'`, `export … from '…'` (clauses spanning lines), `import '…'` and `import('…')`.
const SPECIFIER =
  /^\s*(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
/(?:^|\n)\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module a file imports: relative ones resolved to repository paths, packages as written. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === undefined) continue;
    found.push(
      spec.startsWith('.')
        ? relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts')
        : spec,
    );
  }
  return found;
}

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of [...sourceFiles('src'), ...sourceFiles('jobs')]) {
    edges.set(file, importsOf(file, readFileSync(join(ROOT, file), 'utf8')));
  }
  return edges;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import layering', () => {
  const edges = graph();

  it('reads the real graph (the parser finds imports of every kind)', () => {
    expect(edges.size).toBeGreaterThan(100);
    expect(
      importsOf(
        'src/x/a.ts',
        "import type { A } from './b.js';\nexport { c } from '../c.js';\nimport 'pino';",
      ),
    ).toEqual(['src/x/b.ts', 'src/c.ts', 'pino']);
    expect(edges.get('src/store/backup-store.ts')).toContain('src/store/row-mappers.ts');
  });

  it('domain imports nothing outside src/domain', () => {
    const outside = [...edges]
      .filter(([file]) => file.startsWith('src/domain/'))
      .flatMap(([file, deps]) =>
        deps.filter((d) => !d.startsWith('src/domain/')).map((d) => `${file} → ${d}`),
      );
    expect(outside).toEqual([]);
  });

  it('adapters never import engine or slack', () => {
    const upward = [...edges]
      .filter(([file]) => ADAPTERS.some((a) => file.startsWith(`src/${a}/`)) && !ALLOWED_UPWARD.has(file))
      .flatMap(([file, deps]) =>
        deps
          .filter((d) => d.startsWith('src/engine/') || d.startsWith('src/slack/'))
          .map((d) => `${file} → ${d}`),
      );
    expect(upward).toEqual([]);
  });

  it('no import cycles', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('the cycle check sees a cycle when there is one', () => {
    const withCycle = new Map(edges);
    withCycle.set('src/store/row-mappers.ts', [
      ...(edges.get('src/store/row-mappers.ts') ?? []),
      'src/store/backup-store.ts',
    ]);
    expect(cycles(withCycle)).toContainEqual(['src/store/backup-store.ts', 'src/store/row-mappers.ts']);
  });
});
