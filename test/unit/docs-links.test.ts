import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/spawn-bot.js';

/**
 * The repository stands alone: every Markdown link that is not a web address resolves to a file
 * inside the repository (and to a heading of it when it names one), and code cites docs/ instead of
 * a design document kept elsewhere.
 */

const SKIP = new Set(['node_modules', 'dist', '.git', '.sandbox', 'coverage', 'test-results']);

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(path)) out.push(path);
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of withoutCode(markdown).split('\n')) {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match?.[1]) continue;
    anchors.add(
      match[1]
        .toLowerCase()
        .replace(/[`*_]/g, '')
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

/** Fenced blocks and inline code are not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links, images, reference definitions and autolinks. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    targets.push(m[1] ?? '');
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(m[1] ?? '');
  for (const m of text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)) targets.push(m[1] ?? '');
  return targets;
}

const WEB = /^(https?:|mailto:)/i;

/** Why a link leaves the repository or goes nowhere, or undefined when it is fine. */
function linkProblem(fromFile: string, target: string, root: string): string | undefined {
  if (WEB.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `${target}: not a web address nor a repository file`;
  const [pathPart = '', anchor] = target.split('#', 2);
  if (pathPart.startsWith('/')) return `${target}: absolute path`;
  const file = pathPart === '' ? fromFile : resolve(dirname(fromFile), decodeURIComponent(pathPart));
  const inside = relative(root, file);
  if (inside.startsWith('..') || inside.startsWith(sep)) return `${target}: outside the repository`;
  if (!existsSync(file)) return `${target}: no such file`;
  if (anchor && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
    return `${target}: no heading #${anchor}`;
  }
  return undefined;
}

describe('Markdown links stay in the repository', () => {
  const root = resolve(REPO_ROOT);
  const files = walk(root, (p) => p.endsWith('.md'));

  it('finds the documents, docs/ included', () => {
    const names = files.map((f) => relative(root, f));
    expect(names).toEqual(
      expect.arrayContaining([
        'README.md',
        'CHANGELOG.md',
        join('docs', 'architecture.md'),
        join('docs', 'contract.md'),
      ]),
    );
  });

  it('every non-web link resolves to a file (and heading) inside the repository', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        const problem = linkProblem(file, target, root);
        if (problem) problems.push(`${relative(root, file)}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('rejects what a stand-alone repository must not link to', () => {
    const readme = join(root, 'README.md');
    expect(linkProblem(readme, '../shared/DESIGN.md', root)).toMatch(/outside the repository/);
    expect(linkProblem(readme, '/etc/passwd', root)).toMatch(/absolute path/);
    expect(linkProblem(readme, 'file:///tmp/x.md', root)).toMatch(/not a web address/);
    expect(linkProblem(readme, 'docs/missing.md', root)).toMatch(/no such file/);
    expect(linkProblem(readme, 'docs/contract.md#no-such-heading', root)).toMatch(/no heading/);
    expect(linkProblem(readme, 'docs/contract.md#environment', root)).toBeUndefined();
    expect(linkTargets('see [a](../x.md) and `[b](../y.md)` and <https://example.com>')).toEqual([
      '../x.md',
      'https://example.com',
    ]);
  });
});

describe('code cites docs/, not an outside design document', () => {
  const root = resolve(REPO_ROOT);
  const sources = walk(root, (p) => /\.(ts|md|ya?ml|sql)$|Dockerfile$|\.ci[/\\]run$/.test(p));

  it('no "DESIGN <section>" citations remain', () => {
    const citation = /DESIGN(\s+(section\s+)?§?\d|\.md)/;
    const offenders = sources
      // Migrations are append-only, comments included.
      .filter(
        (f) =>
          !f.endsWith('docs-links.test.ts') &&
          !f.includes('migrations') &&
          citation.test(readFileSync(f, 'utf8')),
      )
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('every docs/ reference names an existing document and heading', () => {
    const problems: string[] = [];
    for (const file of sources.filter((f) => !f.endsWith('docs-links.test.ts'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/docs\/([\w-]+\.md)(#[\w-]+)?/g)) {
        const problem = linkProblem(join(root, 'README.md'), `docs/${m[1]}${m[2] ?? ''}`, root);
        if (problem) problems.push(`${relative(root, file)}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
