import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel } from './channel.js';
import { ChannelClosedError } from './errors.js';
import { abortListeners as listeners, flush, track } from '../testing/helpers.js';

describe('Channel construction', () => {
  it('rejects a capacity that is not an integer from 0 up, quoting it', () => {
    const bad: [unknown, RegExp][] = [
      [-1, /RangeError.*`-1` \(number\)/],
      [1.5, /RangeError.*`1.5` \(number\)/],
      [Infinity, /RangeError.*`Infinity` \(number\)/],
      [NaN, /TypeError.*`NaN` \(number\)/],
      ['2', /TypeError.*`"2"` \(string\)/],
    ];
    for (const [capacity, want] of bad) {
      assert.throws(
        () => new Channel(capacity as number),
        (e: Error) => want.test(`${e.name}: ${e.message}`),
        `new Channel(${String(capacity)})`,
      );
    }
  });

  it('reports capacity, length and closed', () => {
    const ch = new Channel<number>(3);
    assert.equal(ch.capacity, 3);
    assert.equal(new Channel().capacity, 0);
    assert.equal(ch.trySend(1), true);
    assert.equal(ch.trySend(2), true);
    assert.equal(ch.length, 2);
    assert.equal(ch.closed, false);
    ch.close();
    assert.equal(ch.closed, true);
    assert.equal(ch.length, 2);
  });
});

describe('Channel unbuffered', () => {
  it('settles send only when a receiver has taken the value', async () => {
    const ch = new Channel<string>();
    const sent = track(ch.send('a'));
    await flush();
    assert.equal(sent.state, 'pending');
    assert.deepEqual(await ch.recv(), { value: 'a', ok: true });
    await flush();
    assert.equal(sent.state, 'fulfilled');
  });

  it('hands a value straight to a waiting receiver and settles the send at once', async () => {
    const ch = new Channel<string>();
    const got = track(ch.recv());
    await ch.send('a');
    await flush();
    assert.deepEqual(got.value, { value: 'a', ok: true });
    assert.equal(ch.length, 0);
  });

  it('trySend succeeds only when a receiver waits, and tryRecv only when a sender waits', async () => {
    const ch = new Channel<number>();
    assert.equal(ch.trySend(1), false);
    assert.equal(ch.tryRecv(), undefined);
    const got = track(ch.recv());
    assert.equal(ch.trySend(2), true);
    const sent = track(ch.send(3));
    assert.deepEqual(ch.tryRecv(), { value: 3, ok: true });
    await flush();
    assert.deepEqual(got.value, { value: 2, ok: true });
    assert.equal(sent.state, 'fulfilled');
  });
});

describe('Channel buffered', () => {
  it('settles sends while the buffer has room, then blocks', async () => {
    const ch = new Channel<number>(2);
    await ch.send(1);
    await ch.send(2);
    const third = track(ch.send(3));
    await flush();
    assert.equal(third.state, 'pending');
    assert.equal(ch.length, 2);
  });

  it('moves the longest-waiting sender into the slot a receive frees, keeping FIFO order', async () => {
    const ch = new Channel<number>(2);
    await ch.send(1);
    await ch.send(2);
    const s3 = track(ch.send(3));
    const s4 = track(ch.send(4));
    assert.deepEqual(await ch.recv(), { value: 1, ok: true });
    await flush();
    assert.equal(s3.state, 'fulfilled');
    assert.equal(s4.state, 'pending');
    assert.equal(ch.length, 2);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push((await ch.recv()).value!);
    assert.deepEqual(got, [2, 3, 4]);
    await flush();
    assert.equal(s4.state, 'fulfilled');
  });

  it('grows its storage past the initial size without losing order', () => {
    const ch = new Channel<number>(100);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) assert.equal(ch.trySend(i), true);
      assert.equal(ch.trySend(100), false);
      for (let i = 0; i < 100; i++) assert.deepEqual(ch.tryRecv(), { value: i, ok: true });
      assert.equal(ch.tryRecv(), undefined);
    }
  });
});

describe('Channel FIFO', () => {
  it('serves waiting receivers in the order they started waiting', async () => {
    const ch = new Channel<number>();
    const rs = [track(ch.recv()), track(ch.recv()), track(ch.recv())];
    for (const v of [10, 20, 30]) await ch.send(v);
    await flush();
    assert.deepEqual(
      rs.map((r) => r.value?.value),
      [10, 20, 30],
    );
  });

  it('serves waiting senders in the order they started waiting', async () => {
    const ch = new Channel<number>();
    const ss = [10, 20, 30].map((v) => ch.send(v));
    const got = [(await ch.recv()).value, (await ch.recv()).value, (await ch.recv()).value];
    assert.deepEqual(got, [10, 20, 30]);
    await Promise.all(ss);
  });
});

describe('Channel close', () => {
  it('lets receivers drain the buffer, then reports ok false forever', async () => {
    const ch = new Channel<number>(2);
    await ch.send(1);
    ch.close();
    assert.deepEqual(await ch.recv(), { value: 1, ok: true });
    assert.deepEqual(await ch.recv(), { value: undefined, ok: false });
    assert.deepEqual(await ch.recv(), { value: undefined, ok: false });
    assert.deepEqual(ch.tryRecv(), { value: undefined, ok: false });
  });

  it('wakes every waiting receiver with ok false', async () => {
    const ch = new Channel<number>();
    const rs = [ch.recv(), ch.recv()];
    ch.close();
    assert.deepEqual(await Promise.all(rs), [
      { value: undefined, ok: false },
      { value: undefined, ok: false },
    ]);
  });

  it('rejects blocked senders with ChannelClosedError and drops their values', async () => {
    const ch = new Channel<number>(1);
    await ch.send(1);
    const blocked = ch.send(2);
    ch.close();
    await assert.rejects(blocked, ChannelClosedError);
    assert.deepEqual(ch.tryRecv(), { value: 1, ok: true });
    assert.deepEqual(ch.tryRecv(), { value: undefined, ok: false });
  });

  it('rejects a later send (as a promise) and throws from a later trySend', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const p = ch.send(1);
    await assert.rejects(p, { name: 'ChannelClosedError', message: 'channel: send on closed channel' });
    assert.throws(() => ch.trySend(1), ChannelClosedError);
    assert.equal(ch.length, 0);
  });

  it('throws when closed twice and stays closed', () => {
    const ch = new Channel<number>();
    ch.close();
    assert.throws(() => ch.close(), {
      name: 'ChannelClosedError',
      message: 'channel: close of closed channel',
    });
    assert.equal(ch.closed, true);
  });
});

describe('Channel cancellation', () => {
  it('rejects an aborted recv with signal.reason and leaves no receiver behind', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const got = ch.recv({ signal: ac.signal });
    assert.equal(listeners(ac.signal), 1);
    const why = new Error('stop');
    ac.abort(why);
    await assert.rejects(got, (e) => e === why);
    assert.equal(listeners(ac.signal), 0);
    assert.equal(ch.trySend(1), false, 'no receiver may remain');
  });

  it('rejects an aborted send with signal.reason and does not send its value', async () => {
    const ch = new Channel<number>(1);
    await ch.send(1);
    const ac = new AbortController();
    const sent = ch.send(2, { signal: ac.signal });
    ac.abort('late');
    await assert.rejects(sent, (e) => e === 'late');
    assert.deepEqual(ch.tryRecv(), { value: 1, ok: true });
    assert.equal(ch.tryRecv(), undefined, 'the aborted value must not arrive');
    assert.equal(listeners(ac.signal), 0);
  });

  it('rejects at once on an already-aborted signal even when it could complete, taking nothing', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    ac.abort('gone');
    await assert.rejects(ch.send(1, { signal: ac.signal }), (e) => e === 'gone');
    assert.equal(ch.length, 0);
    await ch.send(2);
    await assert.rejects(ch.recv({ signal: ac.signal }), (e) => e === 'gone');
    assert.equal(ch.length, 1);
    assert.equal(listeners(ac.signal), 0);
  });

  it('removes its listener when the wait succeeds', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const got = ch.recv({ signal: ac.signal });
    const sent = ch.send(7, { signal: ac.signal });
    assert.deepEqual(await got, { value: 7, ok: true });
    await sent;
    const blocked = ch.send(8, { signal: ac.signal });
    assert.equal(listeners(ac.signal), 1);
    assert.deepEqual(await ch.recv(), { value: 8, ok: true });
    await blocked;
    assert.equal(listeners(ac.signal), 0);
  });

  it('reports a signal that is not an AbortSignal as a rejected promise', async () => {
    const ch = new Channel<number>();
    const bad = { signal: {} as AbortSignal };
    const sent = ch.send(1, bad);
    const got = ch.recv(bad);
    await assert.rejects(sent, /TypeError: Channel.send: expected `signal` to be an AbortSignal/);
    await assert.rejects(got, /TypeError: Channel.recv: expected `signal` to be an AbortSignal/);
  });

  it('keeps a blocked sender that was not aborted when an earlier one is', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const first = ch.send(1, { signal: ac.signal });
    const second = track(ch.send(2));
    ac.abort();
    await assert.rejects(first, { name: 'AbortError' });
    assert.deepEqual(await ch.recv(), { value: 2, ok: true });
    await flush();
    assert.equal(second.state, 'fulfilled');
  });
});

describe('Channel async iteration', () => {
  it('yields every value in order until closed and drained', async () => {
    const ch = new Channel<number>(2);
    const producer = (async () => {
      for (let i = 0; i < 10; i++) await ch.send(i);
      ch.close();
    })();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    await producer;
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('leaves no waiter behind when the loop breaks', async () => {
    const ch = new Channel<number>();
    const sends = [ch.send(1), ch.send(2)];
    for await (const v of ch) {
      assert.equal(v, 1);
      break;
    }
    await sends[0];
    assert.deepEqual(ch.tryRecv(), { value: 2, ok: true }, 'the second value stays for the next receiver');
    await sends[1];
    assert.equal(ch.trySend(3), false, 'no receiver may remain');
  });

  it('ends a pending step with done and unlinks it when return() is called by hand', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const step = it.next();
    assert.deepEqual(await it.return!(), { value: undefined, done: true });
    assert.deepEqual(await step, { value: undefined, done: true });
    assert.equal(ch.trySend(1), false);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  it('takes its place in the FIFO among plain receivers', async () => {
    const ch = new Channel<string>();
    const it = ch[Symbol.asyncIterator]();
    const a = ch.recv();
    const b = it.next();
    const c = ch.recv();
    for (const v of ['x', 'y', 'z']) await ch.send(v);
    assert.deepEqual(await a, { value: 'x', ok: true });
    assert.deepEqual(await b, { value: 'y', done: false });
    assert.deepEqual(await c, { value: 'z', ok: true });
  });
});

describe('Channel.values', () => {
  it('ends the loop by rejecting with signal.reason, leaving later values in the channel', async () => {
    const ch = new Channel<number>(4);
    const ac = new AbortController();
    ch.trySend(1);
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of ch.values({ signal: ac.signal })) got.push(v);
    })();
    await flush();
    assert.deepEqual(got, [1]);
    assert.equal(listeners(ac.signal), 1);
    ac.abort('stop');
    await assert.rejects(loop, (e) => e === 'stop');
    assert.equal(listeners(ac.signal), 0);
    assert.equal(ch.trySend(2), true, 'the aborted step took nothing');
    assert.deepEqual(ch.tryRecv(), { value: 2, ok: true });
  });

  it('rejects the first step of an already-aborted signal even when a value is ready', async () => {
    const ch = new Channel<number>(1);
    ch.trySend(1);
    const ac = new AbortController();
    ac.abort('gone');
    await assert.rejects(ch.values({ signal: ac.signal }).next(), (e) => e === 'gone');
    assert.equal(ch.length, 1);
  });

  it('iterates until closed and drained and removes its listener after every step', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const producer = (async () => {
      for (let i = 0; i < 3; i++) await ch.send(i);
      ch.close();
    })();
    const got: number[] = [];
    for await (const v of ch.values({ signal: ac.signal })) got.push(v);
    await producer;
    assert.deepEqual(got, [0, 1, 2]);
    assert.equal(listeners(ac.signal), 0);
  });

  it('throws a TypeError for a signal that is not an AbortSignal', () => {
    assert.throws(
      () => new Channel().values({ signal: 'x' as unknown as AbortSignal }),
      /TypeError: Channel.values: expected `signal` to be an AbortSignal, got `"x"` \(string\)/,
    );
  });
});
