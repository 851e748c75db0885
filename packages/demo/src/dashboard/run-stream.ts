/**
 * @module `RunStream`: watches one section run and turns every task start and end into frames for the event stream.
 */
import type { Bar, RunWatcher, StrategyWatcher, Timeline } from '../lib/timeline.js';
import type { FrameItem } from './protocol.js';

/** How often the frames go out while tasks run: about two screen refreshes at 30 Hz. */
export const FRAME_MS = 50;

/**
 * A {@link RunWatcher} that batches what happens into frames and hands each to `send` every {@link FRAME_MS}, plus
 * once more at `flush()`. Batching matters: an unbounded `Promise.all` starts a thousand tasks in one tick, and one
 * event per task would cost the run more than the tasks themselves (and overflow a client's queue); a frame costs
 * one `JSON.stringify` per 50 ms.
 *
 * Order: items are sent in the order they happened, across strategies, so a task's end never arrives before its
 * start and a lane freed by an end is free for the starts after it.
 */
export class RunStream implements RunWatcher {
  readonly #send: (items: FrameItem[]) => void;
  #items: FrameItem[] = [];
  #timelines = 0;
  #open = new Map<number, () => number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #progress: string | undefined;

  /** @param send - receives each non-empty frame. */
  constructor(send: (items: FrameItem[]) => void) {
    this.#send = send;
    this.#timer = setInterval(() => this.flush(), FRAME_MS);
    this.#timer.unref();
  }

  /** The run's progress text; only the latest one per frame is sent. */
  readonly progress = (text: string): void => {
    this.#progress = text;
  };

  strategy(name: string, now: () => number): StrategyWatcher {
    const timeline = this.#timelines++;
    this.#open.set(timeline, now);
    this.#items.push({ kind: 'strategy', timeline, name });
    return {
      taskStart: (task: number, at: number) =>
        this.#items.push({ kind: 'start', timeline, task, at: round(at) }),
      taskEnd: (task: number, bar: Bar) =>
        this.#items.push({
          kind: 'end',
          timeline,
          task,
          ...bar,
          start: round(bar.start),
          end: round(bar.end),
        }),
      marker: (at: number, label: string) =>
        this.#items.push({ kind: 'marker', timeline, at: round(at), label }),
      finish: (t: Timeline) => {
        this.#open.delete(timeline);
        this.#items.push({ kind: 'finish', timeline, wallMs: t.wallMs, bars: t.bars.length });
      },
    };
  }

  /** Sends what has happened since the last frame (with the open timelines' clocks), if anything did. */
  flush(): void {
    if (this.#items.length === 0 && this.#open.size === 0 && this.#progress === undefined) return;
    const items = this.#items;
    this.#items = [];
    for (const [timeline, now] of this.#open) items.push({ kind: 'clock', timeline, now: round(now()) });
    if (this.#progress !== undefined) items.push({ kind: 'progress', text: this.#progress });
    this.#progress = undefined;
    this.#send(items);
  }

  /** Sends the last frame and stops the timer. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
  }
}

/** Times go out to a hundredth of a millisecond: finer than any bar can show, and a third of the bytes. */
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
