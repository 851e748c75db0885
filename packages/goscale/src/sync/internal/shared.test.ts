import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { Shared } from './shared.js';

describe('Shared (the run behind Once and SingleFlight)', () => {
  it('unlinks every aborted joiner, so 100,000 aborts leave no waiter entry', async () => {
    const shared = new Shared<number>();
    let finish!: (v: number) => void;
    shared.run(() => new Promise<number>((resolve) => (finish = resolve)));
    let rejected = 0;
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++) waits.push(shared.join(controller.signal).catch(() => rejected++));
      assert.equal(shared.waiting, 1_000);
      controller.abort();
      assert.equal(shared.waiting, 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    const kept = shared.join(new AbortController().signal);
    assert.equal(shared.waiting, 1);
    finish(4);
    assert.equal(await kept, 4);
    assert.equal(shared.waiting, 0);
    assert.equal(shared.settled, true);
  });

  it('settles a synchronous outcome at once and hands it to later joiners', async () => {
    const ok = new Shared<number>();
    ok.run(() => 1);
    assert.equal(ok.settled, true);
    assert.equal(await ok.join(undefined), 1);
    const failed = new Shared<number>();
    failed.run(() => {
      throw new Error('sync');
    });
    assert.equal(failed.settled, true);
    await assert.rejects(failed.join(new AbortController().signal), { message: 'sync' });
  });
});
