import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Channel } from './channel.js';
import { ChannelClosedError } from './errors.js';
import { recvOn, select } from './select.js';
import { abortListeners as listeners } from '../testing/helpers.js';

// fast-check's scheduler decides the order in which the awaited steps of producers, consumers and aborts resume, so
// each run is one interleaving; the properties below must hold for all of them.

const REASON = new Error('aborted by the race test');
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Channel under scheduled interleavings', () => {
  it('delivers every value exactly once, and each producer in order to a single consumer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        async (s, capacity, producers, consumers, perProducer) => {
          const ch = new Channel<string>(capacity);
          const sent = range(producers).map(async (p) => {
            for (let i = 0; i < perProducer; i++) {
              await s.schedule(Promise.resolve(), `p${p} sends ${i}`);
              await ch.send(`${p}:${i}`);
            }
          });
          const closing = Promise.all(sent).then(() => ch.close());
          const received: string[] = [];
          const receiving = range(consumers).map(async (c) => {
            for await (const v of ch) {
              received.push(v);
              await s.schedule(Promise.resolve(), `c${c} got ${v}`);
            }
          });
          await s.waitFor(Promise.all([closing, ...receiving]));
          const want = range(producers).flatMap((p) => range(perProducer).map((i) => `${p}:${i}`));
          assert.deepEqual([...received].sort(), [...want].sort());
          if (consumers === 1) {
            for (let p = 0; p < producers; p++) {
              const mine = received.filter((v) => v.startsWith(`${p}:`));
              assert.deepEqual(
                mine,
                range(perProducer).map((i) => `${p}:${i}`),
              );
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never loses or duplicates a value when sends and receives are aborted at random moments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        async (s, capacity, sendAborts, recvAborts) => {
          const ch = new Channel<number>(capacity);
          const status = new Map<number, 'sent' | 'aborted' | 'closed'>();
          const signals: AbortSignal[] = [];
          const abortable = (abort: boolean, label: string): AbortSignal => {
            const ac = new AbortController();
            signals.push(ac.signal);
            if (abort) void s.schedule(Promise.resolve(), label).then(() => ac.abort(REASON));
            return ac.signal;
          };
          const producer = (async () => {
            for (const [v, abort] of sendAborts.entries()) {
              await s.schedule(Promise.resolve(), `send ${v}`);
              try {
                await ch.send(v, { signal: abortable(abort, `abort send ${v}`) });
                status.set(v, 'sent');
              } catch (e) {
                assert.ok(e === REASON || e instanceof ChannelClosedError, String(e));
                status.set(v, e === REASON ? 'aborted' : 'closed');
              }
            }
          })();
          const received: number[] = [];
          const consumer = (async () => {
            for (const [i, abort] of recvAborts.entries()) {
              await s.schedule(Promise.resolve(), `recv ${i}`);
              try {
                const r = await ch.recv({ signal: abortable(abort, `abort recv ${i}`) });
                if (r.ok) received.push(r.value);
              } catch (e) {
                assert.equal(e, REASON);
              }
            }
          })();
          // Whichever side finishes first closes the channel, so the other is never left blocked: a blocked sender
          // fails with ChannelClosedError, a blocked receiver gets ok false; the buffer is drained after.
          const closing = Promise.race([producer, consumer]).then(() => ch.close());
          await s.waitFor(Promise.all([producer, consumer, closing]));
          for (let r = ch.tryRecv(); r?.ok === true; r = ch.tryRecv()) received.push(r.value);
          const delivered = [...status].filter(([, st]) => st === 'sent').map(([v]) => v);
          assert.deepEqual(received, delivered, 'received = the sends that succeeded, in order');
          for (const signal of signals) assert.equal(listeners(signal), 0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('select over two channels receives each value once and each channel in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        async (s, capacity, na, nb) => {
          const chans = [new Channel<number>(capacity), new Channel<number>(capacity)];
          const counts = [na, nb];
          const producing = chans.map(async (ch, c) => {
            for (let i = 0; i < counts[c]!; i++) {
              await s.schedule(Promise.resolve(), `ch${c} sends ${i}`);
              await ch.send(i);
            }
            await s.schedule(Promise.resolve(), `ch${c} closes`);
            ch.close();
          });
          const got: number[][] = [[], []];
          const consuming = (async () => {
            // Go sets a drained channel variable to nil; here it leaves the case list.
            let open = [0, 1];
            while (open.length > 0) {
              const r = await select(open.map((c) => recvOn(chans[c]!)));
              const c = open[r.index]!;
              if (r.ok) got[c]!.push(r.value);
              else open = open.filter((o) => o !== c);
              await s.schedule(Promise.resolve(), `got from ch${c}`);
            }
          })();
          await s.waitFor(Promise.all([...producing, consuming]));
          assert.deepEqual(got, [range(na), range(nb)]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
