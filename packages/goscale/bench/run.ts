/**
 * @module Runs every `bench/*.bench.ts` in its own process, one after the other, and writes BENCHMARKS.md at the
 * repository root. `npm run bench -- sync` runs only the files whose name contains "sync" and writes only their
 * sections, so commit the output of a full run.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (filter === undefined || f.includes(filter)))
  .sort();

const reports: BenchReport[] = [];
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const out = execFileSync(
    process.execPath,
    ['--conditions=source', '--expose-gc', '--import', 'tsx', path.join(here, file)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  const last = out.trim().split('\n').at(-1)!;
  reports.push(JSON.parse(last) as BenchReport);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const lines: string[] = [
  '# Benchmarks',
  '',
  `Made by \`npm run bench${filter ? ` -- ${filter}` : ''}\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB.`,
  'Each file below ran in its own process; peers in one table were measured side by side in that process, so compare',
  'ratios rather than absolute numbers across machines. Goals are checked from the numbers measured in this run.',
  '',
];
for (const r of reports) {
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
}
writeFileSync(path.join(root, 'BENCHMARKS.md'), lines.join('\n'));
process.stderr.write(`bench: wrote BENCHMARKS.md (${reports.length} files)\n`);
