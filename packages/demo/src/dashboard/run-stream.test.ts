import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { FrameItem } from './protocol.js';
import { FRAME_MS, RunStream } from './run-stream.js';

describe('RunStream', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  it('sends what happened once per frame, in order, with the open strategy’s clock', () => {
    const frames: FrameItem[][] = [];
    const stream = new RunStream((items) => frames.push(items));
    let clock = 0;
    const watcher = stream.strategy('batches', () => clock);
    watcher.taskStart(0, 1.234);
    watcher.taskStart(1, 2);
    watcher.taskEnd(0, { start: 1.234, end: 10.5678, outcome: 202, ok: true });
    stream.progress('batches · 1/2');
    assert.equal(frames.length, 0, 'nothing before the frame is due');
    clock = 12;
    mock.timers.tick(FRAME_MS);
    assert.deepEqual(frames, [
      [
        { kind: 'strategy', timeline: 0, name: 'batches' },
        { kind: 'start', timeline: 0, task: 0, at: 1.23 },
        { kind: 'start', timeline: 0, task: 1, at: 2 },
        { kind: 'end', timeline: 0, task: 0, start: 1.23, end: 10.57, outcome: 202, ok: true },
        { kind: 'clock', timeline: 0, now: 12 },
        { kind: 'progress', text: 'batches · 1/2' },
      ],
    ]);
    watcher.marker(13, 'SIGTERM');
    watcher.taskEnd(1, { start: 2, end: 14, outcome: 503, ok: false });
    watcher.finish({
      strategy: 'batches',
      wallMs: 15,
      bars: [],
      errors: {},
      clientPeakInFlight: 2,
      heapPeakBytes: 0,
      events: [],
    });
    const next = stream.strategy('map', () => 0);
    next.taskEnd(0, { start: 0, end: 1, outcome: 'lost', ok: false });
    stream.close();
    assert.deepEqual(frames[1], [
      { kind: 'marker', timeline: 0, at: 13, label: 'SIGTERM' },
      { kind: 'end', timeline: 0, task: 1, start: 2, end: 14, outcome: 503, ok: false },
      { kind: 'finish', timeline: 0, wallMs: 15, bars: 0 },
      { kind: 'strategy', timeline: 1, name: 'map' },
      { kind: 'end', timeline: 1, task: 0, start: 0, end: 1, outcome: 'lost', ok: false },
      { kind: 'clock', timeline: 1, now: 0 },
    ]);
    // Closed: the timer is gone.
    mock.timers.tick(FRAME_MS * 10);
    assert.equal(frames.length, 2);
  });

  it('sends nothing while nothing happens and no strategy is open', () => {
    const frames: FrameItem[][] = [];
    const stream = new RunStream((items) => frames.push(items));
    mock.timers.tick(FRAME_MS * 5);
    stream.close();
    assert.deepEqual(frames, []);
  });
});
