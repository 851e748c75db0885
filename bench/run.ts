/**
 * @module Runs every `packages/<pkg>/bench/*.bench.ts` in its own process, one after the other, and writes
 * BENCHMARKS.md at the repository root.
 *
 * `npm run bench -- sync` runs only the files whose path contains "sync" and replaces only their sections in the
 * existing BENCHMARKS.md, so each package can refresh its own tables without re-running (and re-noising) the rest.
 * A full run rewrites the whole file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from './harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'BENCHMARKS.md');
const filter = process.argv[2];

const files: { pkg: string; file: string; full: string }[] = [];
for (const pkg of readdirSync(path.join(root, 'packages')).sort()) {
  const dir = path.join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.bench.ts')) continue;
    if (filter !== undefined && !`${pkg}/${file}`.includes(filter)) continue;
    files.push({ pkg, file, full: path.join(dir, file) });
  }
}
if (files.length === 0) throw new Error(`bench: no bench file matches ${JSON.stringify(filter)}`);

/** One bench file's markdown, keyed by `pkg/file` so that a filtered run can replace it in place. */
const blocks = new Map<string, string>();
for (const { pkg, file, full } of files) {
  process.stderr.write(`bench: ${pkg}/${file}\n`);
  const stdout = execFileSync(
    process.execPath,
    ['--conditions=source', '--expose-gc', '--import', 'tsx', full],
    {
      cwd: path.join(root, 'packages', pkg),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  blocks.set(`${pkg}/${file}`, render(stdout.trim().split('\n').at(-1)!));
}

function render(json: string): string {
  const r = JSON.parse(json) as BenchReport;
  const lines: string[] = [];
  for (const s of r.sections) {
    lines.push(`## ${s.title}`, '', `_${r.file}_ — ${s.description}`, '');
    const [head, ...body] = s.rows;
    if (head) {
      lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`);
      for (const row of body) lines.push(`| ${row.join(' | ')} |`);
      lines.push('');
    }
    for (const n of s.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}

const START = (key: string) => `<!-- bench:${key} -->`;
const END = (key: string) => `<!-- /bench:${key} -->`;

// A filtered run keeps every other file's block as the last full (or filtered) run left it.
const kept = new Map<string, string>();
if (filter !== undefined && existsSync(out)) {
  const text = readFileSync(out, 'utf8');
  for (const m of text.matchAll(/<!-- bench:(\S+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g))
    kept.set(m[1]!, m[2]!);
}
for (const [key, block] of blocks) kept.set(key, block);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const head = [
  '# Benchmarks',
  '',
  `Made by \`npm run bench${filter ? ` -- ${filter}` : ''}\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB.`,
  'Each file below ran in its own process; peers in one table were measured side by side in that process, so compare',
  'ratios rather than absolute numbers across machines. Goals are checked from the numbers measured in this run.',
  'A filtered run (`npm run bench -- NAME`) replaces only the blocks of the files it ran; each block names its file.',
  '',
];
const body = [...kept.keys()].sort().map((key) => `${START(key)}\n${kept.get(key)!}${END(key)}\n`);
writeFileSync(out, [...head, ...body].join('\n'));
process.stderr.write(`bench: wrote BENCHMARKS.md (${blocks.size} files run, ${kept.size} in the file)\n`);
