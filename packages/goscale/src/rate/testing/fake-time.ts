/**
 * @module Test helpers for the Limiter: a fake clock moved in lockstep with node:test's mock timers.
 */
import { mock } from 'node:test';

/** Lets every pending promise callback run (a resolved wait reaches its `.then` within a few microtask turns). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 6; i++) await Promise.resolve();
}

/** A fake millisecond clock for `new Limiter({ now })`, with the timers mocked so that they fire on its time. */
export interface FakeTime {
  /** The clock to inject. */
  readonly now: () => number;
  /** Moves the clock forward 1 ms at a time, firing due timers and flushing promise callbacks at every step. */
  advance(ms: number): Promise<void>;
  /** Moves the clock straight to `t` in one step (timers due by then fire seeing `t`), then flushes. */
  jump(t: number): Promise<void>;
  /** Undoes the timer mock. */
  [Symbol.dispose](): void;
}

/** Enables mock `setTimeout` and `setInterval` (long timers use both) and returns a clock at 0 that only moves when told to. */
export function fakeTime(): FakeTime {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let t = 0;
  return {
    now: () => t,
    async advance(ms) {
      // Callbacks of what was granted at the current instant run before time moves on.
      await flush();
      for (let i = 0; i < ms; i++) {
        t += 1;
        mock.timers.tick(1);
        await flush();
      }
    },
    async jump(to) {
      if (to < t) throw new RangeError(`fakeTime: cannot go back from ${t} to ${to}`);
      await flush();
      const step = to - t;
      t = to;
      mock.timers.tick(step);
      await flush();
    },
    [Symbol.dispose]() {
      mock.timers.reset();
    },
  };
}
