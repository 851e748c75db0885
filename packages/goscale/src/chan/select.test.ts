import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Channel } from './channel.js';
import { ChannelClosedError } from './errors.js';
import { recvOn, select, sendOn, trySelect, type SelectCase } from './select.js';
import { abortListeners as listeners, flush, track } from '../testing/helpers.js';

describe('recvOn and sendOn', () => {
  it('throw a TypeError quoting a value that is not a Channel', () => {
    assert.throws(
      () => recvOn({} as Channel<number>),
      /TypeError: recvOn: expected a Channel, got `\[object Object\]`/,
    );
    assert.throws(
      () => sendOn(null as unknown as Channel<number>, 1),
      /sendOn: expected a Channel, got `null` \(null\)/,
    );
  });
});

describe('select when cases are ready', () => {
  it('completes a ready receive with its value', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.trySend('x');
    assert.deepEqual(await select([recvOn(a), recvOn(b)]), { index: 1, value: 'x', ok: true });
    assert.equal(b.length, 0);
  });

  it('completes a ready send and buffers its value', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    assert.deepEqual(await select([recvOn(a), sendOn(b, 5)]), { index: 1, value: undefined, ok: true });
    assert.deepEqual(b.tryRecv(), { value: 5, ok: true });
  });

  it('reports a closed, drained receive case as ok false', async () => {
    const a = new Channel<number>();
    a.close();
    assert.deepEqual(await select([recvOn(a)]), { index: 0, value: undefined, ok: false });
  });

  it('maps equal slices of Math.random to each ready case, skipping cases that are not ready', async () => {
    // Cases 0, 2 and 3 are ready; case 1 is not. Each ready case must own exactly a third of [0, 1).
    const make = (): SelectCase[] => {
      const ready = [0, 2, 3].map(() => {
        const ch = new Channel<number>(1);
        ch.trySend(1);
        return recvOn(ch);
      });
      return [ready[0]!, recvOn(new Channel<number>()), ready[1]!, ready[2]!];
    };
    const cases: [number, number][] = [
      [0, 0],
      [0.333, 0],
      [0.334, 2],
      [0.666, 2],
      [0.667, 3],
      [0.999999, 3],
    ];
    for (const [draw, want] of cases) {
      const random = mock.method(Math, 'random', () => draw);
      try {
        const got = await select(make());
        assert.equal(
          got.index,
          want,
          `select with Math.random() = ${draw} -> index ${got.index}; want ${want}`,
        );
        assert.equal(trySelect(make())?.index, want, `trySelect with Math.random() = ${draw}`);
      } finally {
        random.mock.restore();
      }
    }
  });

  it('leaves the cases it did not choose untouched', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    a.trySend(1);
    b.trySend(2);
    const r = await select([recvOn(a), recvOn(b)]);
    assert.equal(a.length + b.length, 1);
    assert.equal((r.index === 0 ? a : b).length, 0);
  });
});

describe('select when it must wait', () => {
  it('completes with the first case to fire and unlinks the others at once', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>();
    const r = select([recvOn(a), recvOn(b), sendOn(c, 9)]);
    assert.equal(b.trySend(2), true);
    assert.deepEqual(await r, { index: 1, value: 2, ok: true });
    assert.equal(a.trySend(1), false, 'no receiver may remain on a');
    assert.equal(c.tryRecv(), undefined, 'no sender may remain on c');
  });

  it('settles a waiting send case only when a receiver takes the value', async () => {
    const a = new Channel<number>();
    const quit = new Channel<void>();
    const r = track(select([sendOn(a, 4), recvOn(quit)]));
    await flush();
    assert.equal(r.state, 'pending');
    assert.deepEqual(await a.recv(), { value: 4, ok: true });
    await flush();
    assert.deepEqual(r.value, { index: 0, value: undefined, ok: true });
    assert.equal(quit.trySend(), false);
  });

  it('takes its place in the FIFO among plain receivers of the same channel', async () => {
    const ch = new Channel<string>();
    const first = ch.recv();
    const second = select([recvOn(new Channel<string>()), recvOn(ch)]);
    const third = ch.recv();
    for (const v of ['x', 'y', 'z']) await ch.send(v);
    assert.deepEqual(await first, { value: 'x', ok: true });
    assert.deepEqual(await second, { index: 1, value: 'y', ok: true });
    assert.deepEqual(await third, { value: 'z', ok: true });
  });

  it('moves a waiting send case into the slot a receive frees', async () => {
    const ch = new Channel<number>(1);
    ch.trySend(1);
    const r = select([sendOn(ch, 2)]);
    assert.deepEqual(ch.tryRecv(), { value: 1, ok: true });
    assert.deepEqual(await r, { index: 0, value: undefined, ok: true });
    assert.equal(ch.length, 1);
    assert.deepEqual(ch.tryRecv(), { value: 2, ok: true });
  });

  it('wakes a receive case with ok false when its channel is closed', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const r = select([recvOn(a), recvOn(b)]);
    b.close();
    assert.deepEqual(await r, { index: 1, value: undefined, ok: false });
    assert.equal(a.trySend(1), false);
  });

  it('rejects with ChannelClosedError when a waiting send case is closed, unlinking the rest', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const r = select([recvOn(a), sendOn(b, 1)]);
    b.close();
    await assert.rejects(r, { name: 'ChannelClosedError', message: 'select: send on closed channel' });
    assert.equal(a.trySend(1), false);
  });

  it('serves both sides of one channel in one select', async () => {
    const ch = new Channel<number>();
    const r = select([recvOn(ch), sendOn(ch, 1)]);
    assert.deepEqual(await ch.recv(), { value: 1, ok: true });
    assert.deepEqual(await r, { index: 1, value: undefined, ok: true });
    assert.equal(ch.trySend(2), false);
    assert.equal(ch.tryRecv(), undefined);
  });

  it('completes only the first of duplicate cases on one channel', async () => {
    const ch = new Channel<number>();
    const r = select([recvOn(ch), recvOn(ch)]);
    assert.equal(ch.trySend(1), true);
    assert.equal(ch.trySend(2), false);
    assert.deepEqual(await r, { index: 0, value: 1, ok: true });
  });
});

describe('select misuse and closed channels', () => {
  it('rejects (never throws) a case that is not from recvOn or sendOn', async () => {
    const p = select([{ op: 'recv', channel: {} } as SelectCase]);
    await assert.rejects(p, /TypeError: select: expected cases\[0\] from recvOn\(\) or sendOn\(\)/);
    await assert.rejects(
      select('x' as unknown as SelectCase[]),
      /TypeError: select: expected an array of cases/,
    );
  });

  it('rejects a send case on a closed channel even when another case is ready, taking nothing', async () => {
    const ready = new Channel<number>(1);
    ready.trySend(1);
    const closed = new Channel<number>(1);
    closed.close();
    await assert.rejects(select([recvOn(ready), sendOn(closed, 2)]), ChannelClosedError);
    assert.equal(ready.length, 1);
    assert.throws(() => trySelect([recvOn(ready), sendOn(closed, 2)]), ChannelClosedError);
    assert.equal(ready.length, 1);
  });
});

describe('select cancellation', () => {
  it('rejects with signal.reason and leaves no waiter or listener on any channel', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const r = select([recvOn(a), sendOn(b, 1)], { signal: ac.signal });
    assert.equal(listeners(ac.signal), 1);
    ac.abort('bye');
    await assert.rejects(r, (e) => e === 'bye');
    assert.equal(listeners(ac.signal), 0);
    assert.equal(a.trySend(1), false);
    assert.equal(b.tryRecv(), undefined);
  });

  it('rejects at once on an already-aborted signal even when a case is ready, taking nothing', async () => {
    const a = new Channel<number>(1);
    a.trySend(1);
    const ac = new AbortController();
    ac.abort('gone');
    await assert.rejects(select([recvOn(a)], { signal: ac.signal }), (e) => e === 'gone');
    assert.equal(a.length, 1);
    assert.equal(listeners(ac.signal), 0);
  });

  it('removes its listener when a case completes', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const r = select([recvOn(a)], { signal: ac.signal });
    await a.send(3);
    assert.deepEqual(await r, { index: 0, value: 3, ok: true });
    assert.equal(listeners(ac.signal), 0);
  });

  it('waits on select([]) until aborted, like Go select {}', async () => {
    const ac = new AbortController();
    const r = track(select([], { signal: ac.signal }));
    await flush();
    assert.equal(r.state, 'pending');
    ac.abort('done');
    await flush();
    assert.equal(r.state, 'rejected');
    assert.equal(r.error, 'done');
  });
});

describe('trySelect', () => {
  it('returns undefined and changes nothing when no case is ready', () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    b.trySend(1);
    assert.equal(trySelect([recvOn(a), sendOn(b, 2)]), undefined);
    assert.equal(trySelect([]), undefined);
    assert.equal(b.length, 1);
    assert.equal(a.trySend(1), false);
  });

  it('completes a ready case synchronously', () => {
    const a = new Channel<number>(1);
    assert.deepEqual(trySelect([sendOn(a, 1)]), { index: 0, value: undefined, ok: true });
    assert.deepEqual(trySelect([recvOn(a)]), { index: 0, value: 1, ok: true });
  });

  it('throws a TypeError for a bad case', () => {
    assert.throws(
      () => trySelect([42 as unknown as SelectCase]),
      /TypeError: trySelect: expected cases\[0\]/,
    );
  });
});
