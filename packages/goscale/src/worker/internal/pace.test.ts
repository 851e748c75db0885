import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DEPTH, Pace } from './pace.js';

function clocked() {
  let t = 1000;
  return { pace: new Pace(() => t), advance: (ms: number) => void (t += ms) };
}

describe('worker Pace: how much a thread holds, and when it is late', () => {
  it('holds one task until the first report, then about 1 ms of tasks, at least two and at most MAX_DEPTH', () => {
    const { pace } = clocked();
    assert.equal(pace.depth, 1);
    pace.reported(8 * 10, 10); // 8 ms tasks: one running, one in hand
    assert.equal(pace.depth, 2);
    const tiny = clocked().pace;
    tiny.reported(0.5, 100); // 5 µs tasks
    assert.equal(tiny.depth, 200);
    const none = clocked().pace;
    none.reported(0, 50);
    assert.equal(none.depth, MAX_DEPTH);
  });

  it('smooths the mean over reports, and ignores reports of tasks that did not run', () => {
    const { pace } = clocked();
    pace.reported(10, 1);
    pace.reported(0, 0);
    assert.equal(pace.avg, 10);
    pace.reported(20, 1);
    assert.equal(pace.avg, 13);
  });

  it('calls tasks long from half a millisecond', () => {
    const { pace } = clocked();
    assert.equal(pace.long, false);
    pace.reported(0.4, 1);
    assert.equal(pace.long, false);
    const long = clocked().pace;
    long.reported(0.5, 1);
    assert.equal(long.long, true);
  });

  it('is late after twice its mean silent, and never sooner than 2 ms', () => {
    const { pace, advance } = clocked();
    pace.reported(8, 1);
    advance(15.9);
    assert.equal(pace.late(), false);
    advance(0.1);
    assert.equal(pace.late(), true, '16 ms after the report of an 8 ms task');
    const tiny = clocked();
    tiny.pace.reported(0.01, 10);
    tiny.advance(1.9);
    assert.equal(tiny.pace.late(), false);
    tiny.advance(0.1);
    assert.equal(tiny.pace.late(), true);
  });

  it('counts silence from when the thread was last heard of (work sent with nothing in hand, a task taken)', () => {
    const { pace, advance } = clocked();
    pace.reported(8, 1);
    advance(100);
    pace.heard();
    assert.equal(pace.late(), false);
    advance(16);
    assert.equal(pace.late(), true);
  });
});
