import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withCancel } from '../context/scope.js';
import { Group } from '../group/group.js';
import { map } from '../pool/map.js';
import { sharedController } from './abort.js';
import { flush } from '../testing/helpers.js';

/** Collects the process warnings emitted while `fn` runs (warnings are emitted on the next tick). */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error): void => void seen.push(w.name);
  process.on('warning', onWarning);
  try {
    await fn();
    await flush();
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

describe('shared signals', () => {
  it('take hundreds of abort listeners without a MaxListenersExceededWarning', async () => {
    const seen = await warningsDuring(async () => {
      const { signal } = sharedController();
      for (let i = 0; i < 200; i++) signal.addEventListener('abort', () => undefined);
    });
    assert.deepEqual(seen, []);
  });

  it('let 100 concurrent map mappers, group tasks and child scopes listen without a warning', async () => {
    const seen = await warningsDuring(async () => {
      await map(
        Array.from({ length: 100 }, (_, i) => i),
        async (_item, _i, signal) => {
          signal.addEventListener('abort', () => undefined, { once: true });
          await flush();
        },
        { concurrency: 100 },
      );
      const group = new Group();
      for (let i = 0; i < 100; i++) {
        await group.go(async (signal) => {
          signal.addEventListener('abort', () => undefined, { once: true });
          await flush();
        });
      }
      await group.wait();
      const parent = withCancel();
      const children = Array.from({ length: 100 }, () => withCancel(parent.signal));
      parent.cancel();
      assert.ok(children.every((c) => c.signal.aborted));
    });
    assert.deepEqual(seen, []);
  });
});
