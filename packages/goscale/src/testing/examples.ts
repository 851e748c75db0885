/**
 * @module Extracts the code examples of the documentation (```ts blocks of the READMEs, `@example`s of the TSDoc)
 * and type-checks them against the real public API with the TypeScript compiler, in memory.
 *
 * The convention an example follows (kept small so that examples stay readable):
 * - Its `import` statements are its own; every other line is checked as the body of one `async` function, so an
 *   example may `await`, `return` and `using` at its top level and may reuse a name another example declares.
 *   An example with a top-level `export` shows a module (a worker file, a server's entry): it is checked as one,
 *   with its statements at the top level.
 * - Every export of `goscale` is in scope as if imported, unless the example imports that name itself.
 * - The free names examples lean on (`signal`, `req`, `work()`…) are declared, with types, in `example-names.ts`
 *   beside this file; a name an example needs and that is not there is a type error until it is declared there.
 * @internal
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One code example and where it came from. */
export interface Example {
  /** `file:line` of the example's first line. */
  readonly where: string;
  /** The directory its relative imports resolve from. */
  readonly dir: string;
  readonly code: string;
}

/** The ```ts blocks of a Markdown file. */
export function markdownExamples(file: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '```') i++;
    found.push({
      where: `${file}:${start + 1}`,
      dir: path.dirname(file),
      code: lines.slice(start, i + 1).join('\n'),
    });
    i++;
  }
  return found;
}

/** The ```ts blocks of every `@example` tag in the doc comments of a TypeScript file. */
export function tsdocExamples(file: string, dir: string): Example[] {
  const text = readFileSync(file, 'utf8');
  // A module marked @internal is not public API: its examples may use what users cannot import.
  if (/^\s*\*\s*@internal\b/m.test(text.slice(0, text.indexOf('*/')))) return [];
  const lines = text.split('\n');
  const found: Example[] = [];
  const body = (line: string): string => line.replace(/^\s*\* ?/, '');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\* @example\b/.test(lines[i]!)) continue;
    while (i + 1 < lines.length && body(lines[i + 1]!).trim() !== '```ts') {
      if (/\*\/|@\w+/.test(lines[i + 1]!))
        throw new Error(`${file}:${i + 1}: @example without a \`\`\`ts block`);
      i++;
    }
    const start = i + 2;
    i = start;
    while (i < lines.length && body(lines[i]!).trim() !== '```') i++;
    found.push({ where: `${file}:${start + 1}`, dir, code: lines.slice(start, i).map(body).join('\n') });
  }
  return found;
}

/** What a module exports (values and types), read by the compiler. */
function exportsOf(program: ts.Program, file: string): ts.Symbol[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (symbol === undefined) throw new Error(`examples: cannot read the exports of ${file}`);
  return checker.getExportsOfModule(symbol);
}

/**
 * Brings the free names into an example's module: values as module-level `let`s (an example may assign to them, as
 * in `balance += 1`), types as aliases, re-exported namespaces (`http`) as imports.
 */
function freeNameLines(names: readonly ts.Symbol[], own: ReadonlySet<string>, from: string): string[] {
  const lines = [`import * as __names from '${from}';`];
  for (const symbol of names) {
    const name = symbol.name;
    if (own.has(name)) continue;
    if (symbol.flags & ts.SymbolFlags.Alias) lines.push(`import { ${name} } from '${from}';`);
    else if (symbol.flags & ts.SymbolFlags.Value) lines.push(`let ${name} = __names.${name};`);
    else lines.push(`type ${name} = __names.${name};`);
  }
  return lines;
}

/** The names an example's own import statements bind. */
function importedNames(imports: string): Set<string> {
  const names = new Set<string>();
  const source = ts.createSourceFile('imports.ts', imports, ts.ScriptTarget.ES2022);
  for (const statement of source.statements) {
    const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
    if (clause === undefined) continue;
    if (clause.name) names.add(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) names.add(e.name.text);
  }
  return names;
}

/** Splits an example into its import statements (which may span lines) and the rest. */
function splitImports(code: string): { imports: string; rest: string } {
  const imports: string[] = [];
  const rest: string[] = [];
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^import\b/.test(lines[i]!)) {
      rest.push(lines[i]!);
      continue;
    }
    const statement = [lines[i]!];
    while (!/;\s*(\/\/.*)?$/.test(statement.at(-1)!) && i + 1 < lines.length) statement.push(lines[++i]!);
    imports.push(...statement);
    rest.push(...statement.map(() => '')); // keep line numbers
  }
  return { imports: imports.join('\n'), rest: rest.join('\n') };
}

/**
 * Type-checks every example against the public API (`goscale` resolved as users resolve it, from its source) and
 * returns one message per error, `file:line: message`; an empty list when all of them compile.
 * @param root - the repository root (its tsconfig.base.json gives the compiler options).
 * @param namesFile - the module that declares the free names examples may use.
 */
export function typeCheckExamples(root: string, examples: readonly Example[], namesFile: string): string[] {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.base.json'), (f) => ts.sys.readFile(f));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  // The header imports values and types alike from one statement: verbatimModuleSyntax would refuse that.
  Object.assign(options, { noEmit: true, declaration: false, sourceMap: false, verbatimModuleSyntax: false });

  // Resolve `goscale` once the way an example does, to learn what it exports.
  const probe = path.join(path.dirname(namesFile), '__probe.ts');
  const probeText = `import * as g from 'goscale';\nimport * as n from './${path.basename(namesFile, '.ts')}.js';\nexport { g, n };\n`;
  const first = ts.createProgram([probe], options, hostWith(options, new Map([[probe, probeText]])));
  const resolved = (name: string): string => {
    const result = ts.resolveModuleName(name, probe, options, ts.sys);
    const file = result.resolvedModule?.resolvedFileName;
    if (file === undefined) throw new Error(`examples: cannot resolve ${name} from ${probe}`);
    return file;
  };
  const publicNames = exportsOf(first, resolved('goscale')).map((s) => s.name);
  const freeNames = exportsOf(first, namesFile);

  const files = new Map<string, string>();
  const origin = new Map<string, { where: string; offset: number }>();
  examples.forEach((example, n) => {
    const file = path.join(example.dir, `__example_${n}.ts`);
    const { imports, rest } = splitImports(example.code);
    const own = importedNames(imports);
    let relative = path.relative(example.dir, namesFile).replace(/\.ts$/, '.js');
    if (!relative.startsWith('.')) relative = `./${relative}`;
    const isModule = /^export\b/m.test(rest);
    const header = [
      imports,
      `import { ${publicNames.filter((x) => !own.has(x)).join(', ')} } from 'goscale';`,
      ...freeNameLines(freeNames, own, relative),
      ...(isModule ? [] : ['export async function example() {']),
    ].join('\n');
    files.set(file, `${header}\n${rest}\n${isModule ? '' : '}'}\n`);
    origin.set(file, { where: example.where, offset: header.split('\n').length });
  });

  const program = ts.createProgram([...files.keys()], options, hostWith(options, files), first);
  const errors: string[] = [];
  for (const [file, { where, offset }] of origin) {
    const source = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      const [at, first] = where.split(/:(?=\d+$)/) as [string, string];
      const shown = line < offset ? `${where} (header)` : `${at}:${Number(first) + line - offset}`;
      errors.push(`${shown}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return errors;
}

/** A compiler host that also serves the given in-memory files. */
function hostWith(options: ts.CompilerOptions, files: ReadonlyMap<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, ...rest) => {
    const text = files.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, language, ...rest)
      : ts.createSourceFile(f, text, language);
  };
  return host;
}
