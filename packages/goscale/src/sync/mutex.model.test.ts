import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Mutex } from './mutex.js';
import type { Release } from './release.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

describe('Mutex (model)', () => {
  it('matches a FIFO queue model under random lock, tryLock, release and abort', async () => {
    type State = 'waiting' | 'held' | 'aborted';
    type Caller = { controller: AbortController | undefined; state: State; release?: Release };
    const command = fc.oneof(
      fc.record({ op: fc.constant('lock' as const), signal: fc.boolean() }),
      fc.record({ op: fc.constant('tryLock' as const) }),
      fc.record({ op: fc.constant('release' as const) }),
      fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (commands) => {
        const mu = new Mutex();
        const callers: Caller[] = [];
        // Reference model: the holder's id and the ids waiting, in order; aborted ids leave the queue.
        let holder: number | undefined;
        const queue: number[] = [];
        const aborted = new Set<number>();
        for (const c of commands) {
          if (c.op === 'lock') {
            const id = callers.length;
            const caller: Caller = {
              controller: c.signal ? new AbortController() : undefined,
              state: 'waiting',
            };
            callers.push(caller);
            mu.lock({ signal: caller.controller?.signal }).then(
              (r) => ((caller.state = 'held'), (caller.release = r)),
              () => (caller.state = 'aborted'),
            );
            if (holder === undefined) holder = id;
            else queue.push(id);
          } else if (c.op === 'tryLock') {
            const r = mu.tryLock();
            assert.equal(r !== undefined, holder === undefined, 'tryLock succeeds exactly when free');
            if (r !== undefined) {
              holder = callers.length;
              callers.push({ controller: undefined, state: 'held', release: r });
            }
          } else if (c.op === 'release') {
            if (holder === undefined) continue;
            callers[holder]!.release!();
            holder = queue.shift();
          } else {
            const abortable = queue.filter((id) => callers[id]!.controller !== undefined);
            if (abortable.length === 0) continue;
            const id = abortable[c.pick % abortable.length]!;
            callers[id]!.controller!.abort();
            queue.splice(queue.indexOf(id), 1);
            aborted.add(id);
          }
          await flush();
          callers.forEach((caller, id) => {
            const want: State =
              id === holder
                ? 'held'
                : aborted.has(id)
                  ? 'aborted'
                  : queue.includes(id)
                    ? 'waiting'
                    : caller.state;
            assert.equal(caller.state, want, `caller ${id}`);
            if (caller.controller)
              assert.equal(listeners(caller.controller.signal), want === 'waiting' ? 1 : 0);
          });
          assert.equal(mu.locked, holder !== undefined);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
