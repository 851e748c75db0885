/**
 * @module The shapes every section returns: measurements, tables, timelines and conclusions computed from them.
 */
import type { RunWatcher, Timeline } from '../lib/timeline.js';

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
  /**
   * Receives short progress texts while the section runs (the CLI draws them on stderr). `runSection` prefixes them
   * with the section's number and title, so a section passes only what it is doing.
   */
  progress?: (text: string) => void;
  /** Told of every strategy, task and marker as it happens (the live dashboard); see `RunWatcher`. */
  watcher?: RunWatcher;
}

/** What a section's run function returns; `runSection` adds the section's number and title. */
export interface SectionBody<M = unknown> {
  measurements: M;
  tables: Table[];
  timelines: Timeline[];
  conclusions: Conclusion[];
}

/** What `runSection` returns. `measurements` is plain JSON; `conclusions` were computed from it alone. */
export interface SectionResult<M = unknown> extends SectionBody<M> {
  section: number;
  title: string;
}

/** A section of the demo: its title (written here only) and how to run it. */
export interface SectionDef {
  title: string;
  run: (opts: RunOptions) => Promise<SectionBody>;
  /**
   * Why the section cannot run on this machine, as one line saying how to enable it; undefined when it can. The CLI
   * prints the line and goes on with the other sections; `run` rejects with it. Omitted: it always can.
   */
  unavailable?: () => string | undefined;
}
