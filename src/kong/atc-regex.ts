/**
 * What Kong 3.x's router (ATC, Rust `regex` 1.11, flavors traditional_compatible and expressions)
 * does with a PCRE route regex that Kong 2.x (or router_flavor=traditional) accepted. Reference
 * kong-3.10-3.15.md §3. `rejects` means Y cannot load the route (400 on write; after a restore the
 * route is skipped at router build and answers 404); `changes` means it loads but matches differently.
 */
export interface AtcRegexFinding {
  severity: 'rejects' | 'changes';
  reason: string;
}

/** Escapes Rust's regex accepts after `\` (besides any non-alphanumeric character). */
const RUST_ESCAPE_LETTERS = new Set('afnrtvAzbBdDsSwWpPxuU'.split(''));
/** Flags Rust accepts in `(?flags)` / `(?flags:…)`. */
const RUST_FLAGS = new Set('imsUuxR-'.split(''));

/** The first construct of `regex` (without Kong's `~` / `~*` prefix) that Rust's regex rejects or reads differently. */
export function atcRegexFinding(regex: string): AtcRegexFinding | undefined {
  let changes: AtcRegexFinding | undefined;
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === '\\') {
      const next = regex[i + 1];
      i++;
      if (next === undefined) return { severity: 'rejects', reason: 'a trailing backslash' };
      if (/[0-9]/.test(next))
        return {
          severity: 'rejects',
          reason: `\\${next}: backreferences (and octal escapes) are not supported`,
        };
      if (/[A-Za-z]/.test(next) && !RUST_ESCAPE_LETTERS.has(next))
        return { severity: 'rejects', reason: `\\${next}: unrecognized escape sequence` };
      // \p{L}, \x{263a}: the braces belong to the escape.
      if ('pPxuU'.includes(next) && regex[i + 1] === '{') {
        const close = regex.indexOf('}', i + 1);
        i = close === -1 ? regex.length : close;
        continue;
      }
      if (!inClass && (next === '<' || next === '>'))
        changes ??= {
          severity: 'changes',
          reason: `\\${next} is a word boundary in 3.x, a literal ${next} before`,
        };
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A leading ] (or ^]) is a literal member of the class.
      if (regex[i + 1] === '^') i++;
      if (regex[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && regex[i + 1] === '?') {
      const rest = regex.slice(i + 2);
      if (/^[=!]/.test(rest))
        return { severity: 'rejects', reason: `(?${rest[0]}: look-ahead is not supported` };
      if (/^<[=!]/.test(rest))
        return { severity: 'rejects', reason: `(?${rest.slice(0, 2)}: look-behind is not supported` };
      if (/^P?<[A-Za-z_]/.test(rest) || rest.startsWith(':')) continue;
      const flags = /^[^:)]*/.exec(rest)?.[0] ?? '';
      const bad = [...flags].find((f) => !RUST_FLAGS.has(f));
      if (bad !== undefined || flags === '')
        return {
          severity: 'rejects',
          reason: `(?${rest[0] ?? ''}: unrecognized group or flag (atomic groups, comments, conditionals and recursion are PCRE only)`,
        };
      continue;
    }
    if (c === '{') {
      if (!/^\{\d+(,\d*)?\}/.test(regex.slice(i)))
        return {
          severity: 'rejects',
          reason: 'a literal { must be escaped (\\{): 3.x reads { as a repetition',
        };
      continue;
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && regex[i + 1] === '+' && i > 0)
      changes ??= {
        severity: 'changes',
        reason: `possessive ${c}+ is read as a nested greedy repetition in 3.x`,
      };
  }
  return changes;
}
