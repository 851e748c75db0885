/**
 * @module The shapes every section returns: measurements, tables, timelines and conclusions computed from them.
 */
import type { Timeline } from '../lib/timeline.js';

/** A table for the terminal and the HTML report. The first column names the row. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

/**
 * A conclusion, computed from measurements by a pure function. `ok` says whether the measurement backs the point
 * the talk makes (false: the demo says the talk's claim is not supported this time); `claim` quotes the talk.
 */
export interface Conclusion {
  text: string;
  ok: boolean;
  claim?: string;
}

/** How a section is run. */
export interface RunOptions {
  /** Seeds every latency distribution, so two runs tell the same story. */
  seed: number;
  /** Small sizes, a few seconds per section (used by the tests). */
  quick: boolean;
  /** Receives short progress texts while the section runs (the CLI draws them on stderr). */
  progress?: (text: string) => void;
}

/** What `runSection` returns. `measurements` is plain JSON; `conclusions` were computed from it alone. */
export interface SectionResult<M = unknown> {
  section: number;
  title: string;
  measurements: M;
  tables: Table[];
  timelines: Timeline[];
  conclusions: Conclusion[];
}
