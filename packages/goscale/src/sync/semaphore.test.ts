import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Semaphore } from './semaphore.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

describe('Semaphore', () => {
  it('rejects bad sizes at once, quoting them', () => {
    for (const size of [0, -1, 1.5, Infinity]) {
      assert.throws(() => new Semaphore(size), { name: 'RangeError', message: new RegExp(`\`${size}\``) });
    }
    assert.throws(() => new Semaphore('3' as unknown as number), {
      name: 'TypeError',
      message: /`"3"` \(string\)/,
    });
  });

  it('hands out permits until none are left, then queues', async () => {
    const sem = new Semaphore(3);
    await sem.acquire();
    await sem.acquire(2);
    assert.equal(sem.available, 0);
    let granted = false;
    void sem.acquire().then(() => (granted = true));
    await flush();
    assert.equal(granted, false);
    assert.equal(sem.waiting, 1);
    sem.release();
    await flush();
    assert.equal(granted, true);
    assert.equal(sem.waiting, 0);
    assert.equal(sem.available, 0);
  });

  it('does not let a small later acquire overtake a large earlier one', async () => {
    const sem = new Semaphore(4);
    await sem.acquire(3);
    const order: string[] = [];
    void sem.acquire(4).then(() => order.push('big'));
    void sem.acquire(1).then(() => order.push('small'));
    await flush();
    assert.deepEqual(order, [], 'one permit is free, but the small one must not barge');
    assert.equal(sem.tryAcquire(1), false, 'tryAcquire must not barge either');
    sem.release(3);
    await flush();
    assert.deepEqual(order, ['big']);
    sem.release(4);
    await flush();
    assert.deepEqual(order, ['big', 'small']);
  });

  it('counts waiting calls, not permits', async () => {
    const sem = new Semaphore(5);
    await sem.acquire(5);
    void sem.acquire(3);
    void sem.acquire(4);
    assert.equal(sem.waiting, 2);
    sem.release(5);
    await flush();
    assert.equal(sem.waiting, 1);
    assert.equal(sem.available, 2);
  });

  it('lets in the waiters behind an aborted head that now fit', async () => {
    const sem = new Semaphore(4);
    await sem.acquire(2);
    const controller = new AbortController();
    const head = sem.acquire(4, { signal: controller.signal });
    const granted: number[] = [];
    void sem.acquire(1).then(() => granted.push(1));
    void sem.acquire(1).then(() => granted.push(2));
    void sem.acquire(3).then(() => granted.push(3));
    await flush();
    assert.deepEqual(granted, []);
    controller.abort(new Error('gave up'));
    await assert.rejects(head, { message: 'gave up' });
    await flush();
    assert.deepEqual(granted, [1, 2], 'the two 1s fit in the 2 free permits; 3 does not');
    assert.equal(sem.available, 0);
    assert.equal(sem.waiting, 1);
    assert.equal(listeners(controller.signal), 0);
  });

  it('grants nothing to waiters whose shared signal aborts while an earlier abort listener frees permits', async () => {
    const sem = new Semaphore(3);
    await sem.acquire(2);
    const controller = new AbortController();
    // An abort listener registered before the waits: it frees permits while 'abort' is being dispatched.
    controller.signal.addEventListener('abort', () => sem.release(2), { once: true });
    const head = sem.acquire(3, { signal: controller.signal });
    const next = sem.acquire(1, { signal: controller.signal });
    controller.abort('stop');
    await assert.rejects(head, (error) => error === 'stop');
    await assert.rejects(next, (error) => error === 'stop');
    assert.equal(sem.available, 3);
    assert.equal(sem.waiting, 0);
    assert.equal(listeners(controller.signal), 0);
  });

  it('leaves the semaphore unchanged when a waiter in the middle is aborted', async () => {
    const sem = new Semaphore(2);
    await sem.acquire(2);
    const controller = new AbortController();
    const first = sem.acquire(2);
    const middle = sem.acquire(1, { signal: controller.signal });
    const last = sem.acquire(1);
    controller.abort();
    await assert.rejects(middle, { name: 'AbortError' });
    assert.equal(sem.waiting, 2);
    assert.equal(sem.available, 0);
    sem.release(2);
    await first;
    sem.release(2);
    await last;
    assert.equal(sem.available, 1);
  });

  it('rejects an already-aborted signal even with permits free, taking none', async () => {
    const sem = new Semaphore(1);
    await assert.rejects(sem.acquire(1, { signal: AbortSignal.abort('no') }), (error) => error === 'no');
    assert.equal(sem.available, 1);
    assert.equal(sem.waiting, 0);
  });

  it('removes its abort listener when the wait succeeds', async () => {
    const sem = new Semaphore(1);
    const controller = new AbortController();
    await sem.acquire(1, { signal: controller.signal });
    assert.equal(listeners(controller.signal), 0);
    const queued = sem.acquire(1, { signal: controller.signal });
    assert.equal(listeners(controller.signal), 1);
    sem.release();
    await queued;
    assert.equal(listeners(controller.signal), 0);
  });

  it('reports n > size as a rejected RangeError from acquire and a thrown one from tryAcquire', async () => {
    const sem = new Semaphore(2);
    await assert.rejects(sem.acquire(3), {
      name: 'RangeError',
      message: 'semaphore: acquire(3) exceeds size (2)',
    });
    assert.throws(() => sem.tryAcquire(3), {
      name: 'RangeError',
      message: 'semaphore: tryAcquire(3) exceeds size (2)',
    });
    await assert.rejects(sem.acquire(-1), { name: 'RangeError', message: /`-1` \(number\)/ });
    await assert.rejects(sem.acquire(1.5), RangeError);
    assert.equal(sem.available, 2);
  });

  it('throws when releasing more than is held, and changes nothing', async () => {
    const sem = new Semaphore(5);
    await sem.acquire(1);
    assert.throws(() => sem.release(3), {
      name: 'RangeError',
      message: 'semaphore: release(3) exceeds held (1)',
    });
    assert.throws(() => sem.release(-1), RangeError);
    assert.equal(sem.available, 4);
    sem.release(1);
    assert.throws(() => sem.release(), { message: 'semaphore: release(1) exceeds held (0)' });
  });

  it('leaves no listener, timer or queue entry after 100,000 aborted acquires', async () => {
    const sem = new Semaphore(3);
    await sem.acquire(3);
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    let rejected = 0;
    // 100 signals of 1,000 waits each: Node's abort() is slow (~20 µs) and its EventTarget scans listeners on add.
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const options = { signal: controller.signal };
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++) waits.push(sem.acquire(1 + (i % 3), options).catch(() => rejected++));
      assert.equal(sem.waiting, 1_000);
      controller.abort();
      assert.equal(listeners(controller.signal), 0);
      assert.equal(sem.waiting, 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    assert.equal(timers(), timersBefore);
    assert.equal(sem.available, 0);
    sem.release(3);
    assert.equal(sem.tryAcquire(3), true);
  });

  it('matches golang.org/x/sync semantics in a reference model over random interleavings', async () => {
    type State = 'waiting' | 'held' | 'aborted' | 'released';
    type Call = { n: number; controller: AbortController | undefined; state: State };
    const size = 5;
    const command = fc.oneof(
      fc.record({
        op: fc.constant('acquire' as const),
        n: fc.integer({ min: 0, max: size }),
        signal: fc.boolean(),
      }),
      fc.record({ op: fc.constant('tryAcquire' as const), n: fc.integer({ min: 0, max: size }) }),
      fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const sem = new Semaphore(size);
        const calls: Call[] = [];
        // Reference model: permits held, the FIFO of waiting call ids, and the ids holding permits.
        let held = 0;
        const queue: number[] = [];
        const holders: number[] = [];
        const grant = (): void => {
          while (queue.length > 0 && size - held >= calls[queue[0]!]!.n) {
            const id = queue.shift()!;
            held += calls[id]!.n;
            holders.push(id);
          }
        };
        for (const c of commands) {
          if (c.op === 'acquire') {
            const id = calls.length;
            const call: Call = {
              n: c.n,
              controller: c.signal ? new AbortController() : undefined,
              state: 'waiting',
            };
            calls.push(call);
            sem.acquire(c.n, { signal: call.controller?.signal }).then(
              () => (call.state = 'held'),
              () => (call.state = 'aborted'),
            );
            queue.push(id);
            grant();
          } else if (c.op === 'tryAcquire') {
            const want = queue.length === 0 && size - held >= c.n;
            assert.equal(sem.tryAcquire(c.n), want, `tryAcquire(${c.n})`);
            if (want) {
              holders.push(calls.length);
              calls.push({ n: c.n, controller: undefined, state: 'held' });
              held += c.n;
            }
          } else if (c.op === 'release') {
            if (holders.length === 0) continue;
            const id = holders.splice(c.pick % holders.length, 1)[0]!;
            sem.release(calls[id]!.n);
            calls[id]!.state = 'released';
            held -= calls[id]!.n;
            grant();
          } else {
            const abortable = queue.filter((id) => calls[id]!.controller !== undefined);
            if (abortable.length === 0) continue;
            const id = abortable[c.pick % abortable.length]!;
            calls[id]!.controller!.abort();
            queue.splice(queue.indexOf(id), 1);
            grant();
          }
          await flush();
          calls.forEach((call, id) => {
            const want: State = holders.includes(id)
              ? 'held'
              : queue.includes(id)
                ? 'waiting'
                : call.state === 'released'
                  ? 'released'
                  : 'aborted';
            assert.equal(call.state, want, `call ${id} (n=${call.n})`);
            if (call.controller) assert.equal(listeners(call.controller.signal), want === 'waiting' ? 1 : 0);
          });
          assert.equal(sem.available, size - held);
          assert.equal(sem.waiting, queue.length);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
