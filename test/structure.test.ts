/**
 * The shape of the code, checked with the TypeScript compiler's own parser (no new dependency):
 *
 *  - no import cycles among the modules of src/. Every relative module specifier counts:
 *    `import`, `import type`, `export ... from`, `import('./x.ts')` in a type position and
 *    `await import('./x.ts')`. A type-only cycle still ties the modules together (one cannot
 *    be read, moved or tested without the other), so it is a cycle here too. An import that
 *    names no file of src/ fails the test (so the graph cannot silently miss an edge);
 *  - no function, method, accessor, constructor or arrow function over 80 lines in src/ and
 *    bin/ (its span from its first line, signature included, to its closing line).
 *
 * Each check has an allow-list of today's known offenders that other branches are removing.
 * An allow-listed entry that is gone fails the test too: empty the list as they land.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO } from './helpers/cli.ts';

const SRC = path.join(REPO, 'src');
const MAX_FUNCTION_LINES = 80;

/** Import cycles allowed in src/ (paths relative to src/, each from its alphabetically first module): none. */
const KNOWN_CYCLES: readonly string[] = [];

/** Functions allowed over 80 lines, as "file#name": none. */
const KNOWN_LONG_FUNCTIONS: readonly string[] = [];

function sourceFiles(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p, ext);
    return ext.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function parse(file: string, text = readFileSync(file, 'utf8')): ts.SourceFile {
  const kind = /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
}

/** Every module specifier of the file: import/export declarations, import types, import() calls. */
function moduleSpecifiers(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    let spec: ts.Node | undefined;
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) spec = n.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) spec = n.moduleReference.expression;
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) spec = n.argument.literal;
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) spec = n.arguments[0];
    if (spec && ts.isStringLiteralLike(spec)) out.push(spec.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The import graph of src/: module -> the modules it imports (paths relative to src/). */
function importGraph(): { graph: Map<string, string[]>; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(SRC, /\.ts$/)) {
    const deps = new Set<string>();
    for (const spec of moduleSpecifiers(parse(file)).filter((s) => s.startsWith('.'))) {
      const target = path.resolve(path.dirname(file), spec);
      const found = [target, target.replace(/\.js$/, '.ts')].find((t) => existsSync(t) && t.startsWith(SRC + path.sep));
      if (found) deps.add(path.relative(SRC, found));
      else unresolved.push(`${path.relative(SRC, file)}: ${spec}`);
    }
    graph.set(path.relative(SRC, file), [...deps].sort());
  }
  return { graph, unresolved };
}

/** Every elementary cycle, each from its alphabetically first module ("a -> b -> c"). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  for (const start of [...graph.keys()].sort()) {
    const trail = [start];
    const onTrail = new Set(trail);
    const walk = (v: string): void => {
      for (const w of graph.get(v) ?? []) {
        if (w === start) cycles.push(trail.join(' -> '));
        else if (w > start && !onTrail.has(w)) {
          trail.push(w); onTrail.add(w);
          walk(w);
          trail.pop(); onTrail.delete(w);
        }
      }
    };
    walk(start);
  }
  return cycles.sort();
}

/** A function-like node's name: its own, or its variable's / property's; else "<anonymous>". */
function functionName(n: ts.Node, sf: ts.SourceFile): string {
  const own = (n as { name?: ts.Node }).name;
  if (own) return own.getText(sf);
  if (ts.isConstructorDeclaration(n)) return 'constructor';
  const p = n.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name) return p.name.getText(sf);
  return '<anonymous>';
}

/** Function-like nodes with a body over `max` lines: "name (N lines, line L)". */
function longFunctions(sf: ts.SourceFile, max: number): { name: string; lines: number; line: number }[] {
  const out: { name: string; lines: number; line: number }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && (n as { body?: ts.Node }).body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      if (last - first + 1 > max) out.push({ name: functionName(n, sf), lines: last - first + 1, line: first + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Compares found offenders with an allow-list: the new ones, and the listed ones that are gone. */
function compare(found: readonly string[], known: readonly string[]): { added: string[]; gone: string[] } {
  const f = new Set(found);
  return { added: [...f].filter((x) => !known.includes(x)), gone: known.filter((x) => !f.has(x)) };
}

test('the checkers themselves: cycles, type-only and re-export imports, long arrow functions', () => {
  const g = new Map([['a', ['b']], ['b', ['c', 'a']], ['c', ['a']], ['d', ['d']], ['e', ['a']]]);
  assert.deepEqual(findCycles(g), ['a -> b', 'a -> b -> c', 'd']);
  const sf = parse('x.ts', [
    "import type { T } from './t.ts';", "export { u } from './u.ts';", "import v from './v.ts';",
    "type W = import('./w.ts').W;", "const x = () => import('./x.ts');",
  ].join('\n'));
  assert.deepEqual(moduleSpecifiers(sf), ['./t.ts', './u.ts', './v.ts', './w.ts', './x.ts']);
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const fns = parse('y.ts', `export const short = () => {\n${body(78)}\n};\nconst o = { long() {\n${body(79)}\n} };\n`);
  assert.deepEqual(longFunctions(fns, MAX_FUNCTION_LINES), [{ name: 'long', lines: 81, line: 81 }]);
});

test('no import cycles in src/ besides the allow-listed ones, which all still exist', () => {
  const { graph, unresolved } = importGraph();
  assert.ok(graph.size > 50, `only ${graph.size} modules found in src/`);
  assert.deepEqual(unresolved, [], 'imports that name no file of src/');
  const { added, gone } = compare(findCycles(graph), KNOWN_CYCLES);
  assert.deepEqual(added, [], `import cycles in src/ (module -> module it imports -> ... -> back to the first):\n${added.join('\n')}`);
  assert.deepEqual(gone, [], `these allow-listed import cycles are gone: remove them from KNOWN_CYCLES in test/structure.test.ts`);
});

test(`no function in src/ or bin/ over ${MAX_FUNCTION_LINES} lines besides the allow-listed ones, which all still are`, () => {
  const found: string[] = [];
  const detail: string[] = [];
  const files = [...sourceFiles(SRC, /\.ts$/), ...sourceFiles(path.join(REPO, 'bin'), /\.[cm]?[jt]s$/)];
  for (const file of files) {
    const rel = path.relative(REPO, file);
    for (const f of longFunctions(parse(file), MAX_FUNCTION_LINES)) {
      found.push(`${rel}#${f.name}`);
      detail.push(`${rel}:${f.line} ${f.name}: ${f.lines} lines`);
    }
  }
  const { added, gone } = compare(found, KNOWN_LONG_FUNCTIONS);
  assert.deepEqual(added, [], `functions over ${MAX_FUNCTION_LINES} lines:\n${detail.join('\n')}`);
  assert.deepEqual(gone, [], `these allow-listed functions are no longer over ${MAX_FUNCTION_LINES} lines: remove them from KNOWN_LONG_FUNCTIONS`);
});

/** The test files `npm test` runs: those its script names, and for a group (test/groups/) the files it imports. */
function suiteFiles(): { listed: string[]; run: string[] } {
  const script = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
  const listed = script.split(/\s+/).filter((w) => /^test\/.*\.test\.ts$/.test(w));
  const run = listed.flatMap((f) => {
    if (!f.startsWith('test/groups/')) return [f];
    return moduleSpecifiers(parse(path.join(REPO, f))).map((s) => path.posix.join('test/groups', s));
  });
  return { listed, run };
}

test('npm test runs every test file exactly once: alone or in one group of test/groups/, each group named in the script', () => {
  const { listed, run } = suiteFiles();
  const groups = readdirSync(path.join(REPO, 'test', 'groups')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/groups/${f}`);
  assert.deepEqual(groups.filter((g) => !listed.includes(g)), [], 'group files the test script does not name');
  const twice = run.filter((f, i) => run.indexOf(f) !== i);
  assert.deepEqual(twice, [], 'test files run more than once');
  const files = readdirSync(path.join(REPO, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`);
  assert.deepEqual(files.filter((f) => !run.includes(f)), [], 'test files npm test never runs: add them to a group in test/groups/');
  assert.deepEqual(run.filter((f) => !files.includes(f)), [], 'the script or a group names a test file that does not exist');
  // A file that adds to the process's registries (an output: the spec schema is compiled once per
  // process, with every registered output) would change what the other files of its group see.
  const registering = files.filter((f) => /\bregisterOutput\(/.test(readFileSync(path.join(REPO, f), 'utf8')));
  assert.ok(registering.length > 0, 'no test file registers an output: the check below checks nothing');
  assert.deepEqual(registering.filter((f) => !listed.includes(f)), [], 'files that register an output must run alone (named in the script, not in a group)');
});
