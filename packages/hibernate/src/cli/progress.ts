/**
 * @module The progress bar on stderr (only when stderr is a terminal: stdout carries nothing but the data).
 */
import { SingleBar, Presets } from 'cli-progress';

/**
 * @param label - what is being done.
 * @returns an `update(done, total)` callback and `stop()`; both do nothing when stderr is not a TTY.
 */
export function progressBar(label: string): {
  update: (done: number, total: number) => void;
  stop: () => void;
} {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
