import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Release } from './release.js';
import { RWMutex } from './rwmutex.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

describe('RWMutex (model)', () => {
  it('matches a FIFO reader/writer model over random interleavings', async () => {
    type State = 'waiting' | 'held' | 'aborted' | 'released';
    type Call = { write: boolean; controller: AbortController | undefined; state: State; release?: Release };
    const command = fc.oneof(
      fc.record({ op: fc.constant('lock' as const), write: fc.boolean(), signal: fc.boolean() }),
      fc.record({ op: fc.constant('try' as const), write: fc.boolean() }),
      fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const rw = new RWMutex();
        const calls: Call[] = [];
        // Reference model: holders (ids), whether a writer holds, and one FIFO queue of waiting ids.
        const holders: number[] = [];
        let writer = false;
        const queue: number[] = [];
        const canEnter = (write: boolean): boolean => !writer && (!write || holders.length === 0);
        const grant = (): void => {
          while (queue.length > 0 && canEnter(calls[queue[0]!]!.write)) {
            const id = queue.shift()!;
            holders.push(id);
            writer = calls[id]!.write;
          }
        };
        for (const c of commands) {
          if (c.op === 'lock') {
            const call: Call = {
              write: c.write,
              controller: c.signal ? new AbortController() : undefined,
              state: 'waiting',
            };
            const id = calls.push(call) - 1;
            const options = { signal: call.controller?.signal };
            (c.write ? rw.lock(options) : rw.rlock(options)).then(
              (r) => ((call.state = 'held'), (call.release = r)),
              () => (call.state = 'aborted'),
            );
            queue.push(id);
            grant();
          } else if (c.op === 'try') {
            const want = queue.length === 0 && canEnter(c.write);
            const r = c.write ? rw.tryLock() : rw.tryRLock();
            assert.equal(r !== undefined, want, `try ${c.write ? 'write' : 'read'}`);
            if (r !== undefined) {
              holders.push(
                calls.push({ write: c.write, controller: undefined, state: 'held', release: r }) - 1,
              );
              writer = c.write;
            }
          } else if (c.op === 'release') {
            if (holders.length === 0) continue;
            const id = holders.splice(c.pick % holders.length, 1)[0]!;
            calls[id]!.release!();
            calls[id]!.state = 'released';
            if (calls[id]!.write) writer = false;
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
            assert.equal(call.state, want, `call ${id} (${call.write ? 'writer' : 'reader'})`);
            if (call.controller) assert.equal(listeners(call.controller.signal), want === 'waiting' ? 1 : 0);
          });
        }
      }),
      { numRuns: 2000 },
    );
  });
});
