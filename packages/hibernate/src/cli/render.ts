/**
 * @module Prints a report: `-o json` as one JSON document, `-o table` as aligned columns and a summary line.
 */
import type { Report } from '../run/types.js';

/**
 * @param report - the run's report.
 * @param format - `json` or `table`.
 * @returns the text for stdout (ending in a newline).
 */
export function render(report: Report, format: 'table' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const s = report.summary;
  const head = [
    'KIND',
    'NAMESPACE',
    'NAME',
    s.command === 'check' ? 'VERDICT' : 'ACTION',
    'REPLICAS',
    'ORIGINAL',
    'REASON',
  ];
  const rows = report.items.map((i) => [
    i.kind,
    i.namespace,
    i.name,
    (i.verdict ?? i.action)!,
    i.replicas === null ? '-' : String(i.replicas),
    i.originalReplicas === null ? '-' : String(i.originalReplicas),
    i.reason,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string =>
    r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  const out = [line(head), ...rows.map(line)];
  if (s.dryRun) {
    out.push('', 'Patches (application/json-patch+json) that would be sent:');
    for (const i of report.items)
      if (i.patch) out.push(`${i.kind} ${i.namespace}/${i.name}: ${JSON.stringify(i.patch)}`);
  }
  const counts = (r: Record<string, number>): string =>
    Object.entries(r)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  out.push('', `${s.total} workloads: ${counts(s.verdicts)}.`);
  if (s.actions) out.push(`${s.dryRun ? 'Would do' : 'Done'}: ${counts(s.actions)}.`);
  if (s.notServed.length > 0) out.push(`Not served by this cluster: ${s.notServed.join(', ')}.`);
  if (s.interrupted) out.push('Interrupted: run the same command again to continue.');
  return `${out.join('\n')}\n`;
}
