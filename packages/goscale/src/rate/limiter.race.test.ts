import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Limiter } from './limiter.js';
import { fakeTime } from './testing/fake-time.js';

interface Call {
  seq: number;
  n: number;
  at?: number;
  error?: unknown;
}

describe('Limiter (interleavings)', () => {
  it('serves concurrent callers FIFO within burst + rate × window, whatever order they run and abort in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(
          fc.record({
            ns: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
            abort: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 20 }),
        async (s, burst, callers, steps) => {
          using time = fakeTime();
          const rate = 10;
          const lim = new Limiter({ rate, burst, now: time.now });
          const calls: Call[] = [];
          let seq = 0;
          const done: Promise<void>[] = [];
          for (const [i, caller] of callers.entries()) {
            const ac = new AbortController();
            // Each caller waits for its tokens again and again, as a worker loop would; when it runs is up to s.
            done.push(
              (async () => {
                for (const want of caller.ns) {
                  await s.schedule(Promise.resolve(), `caller ${i} wait(${want})`);
                  const call: Call = { seq: seq++, n: want };
                  calls.push(call);
                  try {
                    await lim.wait(Math.min(want, burst), { signal: ac.signal });
                    call.at = time.now();
                  } catch (error) {
                    call.error = error;
                    return;
                  }
                }
              })(),
            );
            if (caller.abort) {
              void s
                .schedule(Promise.resolve(), `abort caller ${i}`)
                .then(() => ac.abort(new Error(`abort ${i}`)));
            }
          }
          let finished = false;
          void Promise.all(done).then(() => (finished = true));
          // Let one scheduled step run, then move time on, until every caller has finished (or given up).
          for (let round = 0; !finished && round < 1_000; round++) {
            if (s.count() !== 0) await s.waitOne();
            await time.advance(steps[round] ?? 100);
          }
          assert.ok(finished, 'every caller finished: no wait hangs');

          const granted = calls.filter((c) => c.at !== undefined);
          for (const c of calls) {
            assert.ok(
              c.at !== undefined || /^abort \d$/.test((c.error as Error).message),
              `call #${c.seq} settled`,
            );
          }
          const bySeq = [...granted].sort((a, b) => a.seq - b.seq);
          for (let i = 1; i < bySeq.length; i++) {
            assert.ok(
              bySeq[i]!.at! >= bySeq[i - 1]!.at!,
              `#${bySeq[i]!.seq} granted before #${bySeq[i - 1]!.seq}`,
            );
          }
          const byTime = [...granted].sort((a, b) => a.at! - b.at!);
          for (let i = 0; i < byTime.length; i++) {
            let sum = 0;
            for (let j = i; j < byTime.length; j++) {
              sum += Math.min(byTime[j]!.n, burst);
              const limit = burst + (rate * (byTime[j]!.at! - byTime[i]!.at!)) / 1000;
              assert.ok(
                sum <= limit + 1e-9,
                `${sum} tokens in [${byTime[i]!.at}, ${byTime[j]!.at}]; max ${limit}`,
              );
            }
          }
          assert.equal(lim.pending, 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
