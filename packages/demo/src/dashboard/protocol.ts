/**
 * @module The dashboard's event stream: what the server publishes on its `Broker` and the page draws. Nothing in it
 * names a section: a section's timelines, tables and conclusions arrive in the same shapes whatever it measures, so a
 * new section or a new strategy needs no change to the page.
 */
import type { Bar } from '../lib/timeline.js';
import type { Conclusion, Table } from '../sections/types.js';

/** One thing that happened inside a run, batched into a {@link FrameEvent}. Times are ms since the strategy started. */
export type FrameItem =
  /** Timeline `timeline` (its index in the section's result) starts recording. */
  | { kind: 'strategy'; timeline: number; name: string }
  | { kind: 'start'; timeline: number; task: number; at: number }
  /** A task ended; one that never started (a lost item, a fan-in still waiting) arrives with no `start` item. */
  | ({ kind: 'end'; timeline: number; task: number } & Bar)
  | { kind: 'marker'; timeline: number; at: number; label: string }
  | { kind: 'finish'; timeline: number; wallMs: number; bars: number }
  /** The open timeline's clock when the frame was sent, so the page can grow running bars between frames. */
  | { kind: 'clock'; timeline: number; now: number }
  | { kind: 'progress'; text: string };

/** What the page needs of a finished timeline (the bars themselves came live, one by one). */
export interface TimelineSummary {
  strategy: string;
  wallMs: number;
  bars: number;
  errors: Record<string, number>;
  clientPeakInFlight: number;
}

/** One question the talk's guide prepares for, with what this server's runs measured towards its answer. */
export interface BackupSlide {
  id: string;
  question: string;
  /** The short answer, in words that hold whatever the numbers are. */
  answer: string;
  /** Numbers measured in this server's runs; empty until a section that measures them has run. */
  facts: Array<{ section: number; label: string; value: string }>;
  /** Sections whose runs would add facts, when they have not run yet. */
  missing: number[];
}

interface Base {
  /** The server's boot id: ids and `seq` restart with a new server, and the page must not mix the two. */
  boot: string;
  /** 1, 2, 3, … in publish order; the page applies each at most once. */
  seq: number;
}

export interface RunStartEvent extends Base {
  type: 'run-start';
  run: number;
  section: number;
  title: string;
  quick: boolean;
  seed: number;
  /** Wall-clock start (epoch ms), for "ran at 10:31:05". */
  startedAt: number;
}
export interface FrameEvent extends Base {
  type: 'frame';
  run: number;
  section: number;
  items: FrameItem[];
}
export interface ResultEvent extends Base {
  type: 'result';
  run: number;
  section: number;
  title: string;
  tables: Table[];
  conclusions: Conclusion[];
  timelines: TimelineSummary[];
  measurements: unknown;
}
export interface RunEndEvent extends Base {
  type: 'run-end';
  run: number;
  section: number;
  ok: boolean;
  /** The error's message when the section failed. */
  error?: string;
  ms: number;
}
export interface BackupEvent extends Base {
  type: 'backup';
  slides: BackupSlide[];
}

/** Every event, as JSON in an SSE `data:` field (no `event:` name, so `EventSource.onmessage` gets them all). */
export type DashboardEvent = RunStartEvent | FrameEvent | ResultEvent | RunEndEvent | BackupEvent;

/** Distributes `Omit` over the union, so each member keeps its own fields. */
export type Unstamped<E> = E extends unknown ? Omit<E, 'boot' | 'seq'> : never;
