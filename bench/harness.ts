/**
 * @module Benchmark harness shared by every `bench/*.bench.ts` file.
 *
 * Each bench file is run in its own process by `bench/run.ts` and prints one JSON `BenchReport` on its last stdout
 * line; run.ts collects them into BENCHMARKS.md. Peers are measured side by side inside one file (one process), so
 * the ratios compare like with like.
 */

/** One table of a bench report. `rows` are markdown cells; the first row is the header. */
export interface BenchSection {
  title: string;
  /** What was measured and how, in a sentence or two. */
  description: string;
  rows: string[][];
  /** Conclusions computed from the numbers (goal met or not), never hard-coded. */
  notes: string[];
}

export interface BenchReport {
  file: string;
  sections: BenchSection[];
}

/** Calls `global.gc` when node runs with --expose-gc. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Runs `fn` (which performs `ops` operations) `rounds` times after `warmup` rounds and returns the median
 * nanoseconds per operation.
 */
export async function measure(
  fn: () => unknown,
  ops: number,
  { rounds = 5, warmup = 1 }: { rounds?: number; warmup?: number } = {},
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    gc();
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / ops);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Formats nanoseconds per operation for a table. */
export function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** Formats a ratio like `12.3x`. */
export function fmtRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}x`;
}

/** Formats bytes. */
export function fmtBytes(b: number): string {
  if (Math.abs(b) >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(b) >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b.toFixed(0)} B`;
}

/** Heap bytes used now, after a full GC when available. */
export function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A note stating whether a goal was met, from the measured value. */
export function goal(met: boolean, text: string): string {
  return `${met ? 'Goal met' : 'Goal NOT met'}: ${text}`;
}

/** Prints the report as the last stdout line (what run.ts reads). Call once at the end of a bench file. */
export function report(file: string, sections: BenchSection[]): void {
  const out: BenchReport = { file, sections };
  process.stdout.write(`\n${JSON.stringify(out)}\n`);
}
