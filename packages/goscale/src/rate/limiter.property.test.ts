import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Limiter } from './limiter.js';
import { fakeTime } from './testing/fake-time.js';
import { LimiterModel } from './testing/model.js';

/** Rates whose token interval is a whole number of ms, so every grant time is exact in both model and limiter. */
const RATES = [0.5, 1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 200, 250, 500, 1000];

type Op =
  | { op: 'wait'; n: number; abortable: boolean }
  | { op: 'allow'; n: number }
  | { op: 'reserve'; n: number }
  | { op: 'cancel'; pick: number }
  | { op: 'abort'; pick: number }
  | { op: 'advance'; ms: number }
  | { op: 'setRate'; rate: number }
  | { op: 'setBurst'; burst: number };

const n = fc.integer({ min: 0, max: 5 });
const pick = fc.nat();
const coreOps: fc.Arbitrary<Op>[] = [
  fc.record({ op: fc.constant('wait' as const), n, abortable: fc.boolean() }),
  fc.record({ op: fc.constant('allow' as const), n }),
  fc.record({ op: fc.constant('reserve' as const), n }),
  fc.record({ op: fc.constant('cancel' as const), pick }),
  fc.record({ op: fc.constant('abort' as const), pick }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
];

/** A granted event: `n` tokens used at time `t` (ms), in call order `seq`. */
interface Grant {
  seq: number;
  t: number;
  n: number;
}

/** Asserts that no window [t0, t1] holds more than `burst + rate × (t1 − t0)` tokens (rate may vary: see `budget`). */
function assertWindows(grants: Grant[], burst: number, budget: (t0: number, t1: number) => number): void {
  const sorted = grants.filter((g) => g.n > 0).sort((a, b) => a.t - b.t);
  for (let i = 0; i < sorted.length; i++) {
    let sum = 0;
    for (let j = i; j < sorted.length; j++) {
      sum += sorted[j]!.n;
      const t0 = sorted[i]!.t;
      const t1 = sorted[j]!.t;
      const limit = burst + budget(t0, t1);
      assert.ok(sum <= limit + 1e-9, `${sum} tokens granted in [${t0}, ${t1}] ms; at most ${limit} allowed`);
    }
  }
}

/** Token counts agree to a billionth (the limiter's are floats, the model's exact). */
function assertTokens(actual: number, expected: number, message: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message}: ${actual}; want ${expected}`);
}

/**
 * Asserts that claims were granted in call order (grant time never decreases along `seq`). With `observed`, times are
 * compared as the fake clock observes them, in whole ms (a wait granted at 10.99 ms resolves at 11).
 */
function assertFifo(grants: Grant[], observed = false): void {
  const bySeq = [...grants].sort((a, b) => a.seq - b.seq);
  const t = (g: Grant): number => (observed ? Math.ceil(g.t) : g.t);
  for (let i = 1; i < bySeq.length; i++) {
    assert.ok(
      t(bySeq[i]!) >= t(bySeq[i - 1]!),
      `claim #${bySeq[i]!.seq} granted at ${bySeq[i]!.t} before earlier claim #${bySeq[i - 1]!.seq} at ${bySeq[i - 1]!.t}`,
    );
  }
}

interface WaitRecord {
  seq: number;
  n: number;
  ac: AbortController | undefined;
  at?: number;
  error?: unknown;
}
interface ReserveRecord {
  seq: number;
  n: number;
  at: number;
  cancel: () => void;
  cancelledAt?: number;
}

describe('Limiter (property)', () => {
  it('matches the reference model exactly: grant times, allow results, reservation delays, tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...RATES),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.oneof(...coreOps), { minLength: 1, maxLength: 40 }),
        async (rate, burst, ops) => {
          using time = fakeTime();
          const lim = new Limiter({ rate, burst, now: time.now });
          const model = new LimiterModel(rate, burst);
          const waits: WaitRecord[] = [];
          const reservations: ReserveRecord[] = [];
          const grants: Grant[] = [];
          let seq = 0;

          /** Moves both clocks to `target`, stopping 1 ms before and at every model event, so early is caught. */
          const advanceTo = async (target: number): Promise<void> => {
            while (time.now() < target) {
              const stop = Math.min(model.nextEvent(), target);
              if (stop - 1 > time.now()) {
                await time.jump(stop - 1);
                model.advanceTo(stop - 1);
              }
              await time.jump(stop);
              model.advanceTo(stop);
              assertTokens(lim.tokens, model.tokens, `tokens at ${stop} ms`);
            }
          };

          for (const op of ops) {
            const now = time.now();
            switch (op.op) {
              case 'wait': {
                const ac = op.abortable ? new AbortController() : undefined;
                const rec: WaitRecord = { seq: seq++, n: op.n, ac };
                waits.push(rec);
                lim.wait(op.n, { signal: ac?.signal }).then(
                  () => (rec.at = time.now()),
                  (error: unknown) => (rec.error = error),
                );
                if (op.n <= burst) model.wait(rec.seq, op.n);
                break;
              }
              case 'allow': {
                const got = lim.allow(op.n);
                assert.equal(got, model.take(op.n), `allow(${op.n}) at ${now} ms`);
                if (got) grants.push({ seq: seq++, t: now, n: op.n });
                break;
              }
              case 'reserve': {
                const r = lim.reserve(op.n);
                const id = seq++;
                const at = model.reserve(id, op.n);
                assert.equal(r.ok, at !== undefined, `reserve(${op.n}).ok at ${now} ms`);
                assert.equal(r.delayMs, at === undefined ? Infinity : at - now, `reserve(${op.n}).delayMs`);
                if (at !== undefined) reservations.push({ seq: id, n: op.n, at, cancel: r.cancel });
                break;
              }
              case 'cancel': {
                const r = reservations[op.pick % Math.max(1, reservations.length)];
                if (r === undefined || r.cancelledAt !== undefined) break;
                r.cancel();
                r.cancelledAt = now;
                model.cancel(r.seq, r.n, r.at);
                break;
              }
              case 'abort': {
                const w = waits[op.pick % Math.max(1, waits.length)];
                if (w?.ac === undefined || w.ac.signal.aborted) break;
                w.ac.abort(new Error(`abort #${w.seq}`));
                if (w.n <= burst) model.remove(w.seq);
                break;
              }
              case 'advance':
                await advanceTo(now + op.ms);
                break;
              default:
                throw new Error(`unexpected op ${op.op}`);
            }
            assertTokens(lim.tokens, model.tokens, `tokens after ${op.op} at ${now} ms`);
          }
          // Drain: every claim still queued is served in finite time.
          while (model.queue.length !== 0) await advanceTo(model.nextEvent());
          await time.jump(time.now());

          for (const w of waits) {
            if (w.n > burst) {
              assert.ok(w.error instanceof RangeError, `wait(${w.n}) beyond burst ${burst} rejects`);
            } else if (model.granted.has(w.seq)) {
              assert.equal(w.at, model.granted.get(w.seq), `wait #${w.seq}(${w.n}) granted at`);
              grants.push({ seq: w.seq, t: w.at!, n: w.n });
            } else {
              assert.equal(
                (w.error as Error | undefined)?.message,
                `abort #${w.seq}`,
                `wait #${w.seq} aborted`,
              );
            }
          }
          for (const r of reservations) {
            // A cancel before or at its time gives the tokens back; after it, they were spent.
            if (r.cancelledAt === undefined || r.cancelledAt > r.at)
              grants.push({ seq: r.seq, t: r.at, n: r.n });
          }
          assertWindows(grants, burst, (t0, t1) => (rate * (t1 - t0)) / 1000);
          assertFifo(grants);
          assert.equal(lim.pending, 0);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  for (const withReservations of [false, true]) {
    const title = withReservations
      ? 'with reservations too: never exceeds max burst + max rate × window, and keeps every claim FIFO, while rate and burst change'
      : 'never exceeds burst + ∫rate over any window, and keeps every claim FIFO, while rate and burst change';
    it(title, async () => {
      // After a rate change grants fall on fractional ms and are observed at the next whole ms, so each budget
      // allows one extra ms at the highest rate in play (at most 0.1 token here): a real overshoot is a whole token.
      const rates = [1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100];
      const ops: fc.Arbitrary<Op>[] = [
        ...coreOps.filter((_, i) => withReservations || (i !== 2 && i !== 3)),
        fc.record({ op: fc.constant('setRate' as const), rate: fc.constantFrom(0, ...rates) }),
        fc.record({ op: fc.constant('setBurst' as const), burst: fc.integer({ min: 0, max: 5 }) }),
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...rates),
          fc.integer({ min: 0, max: 5 }),
          fc.array(fc.oneof(...ops), { minLength: 1, maxLength: 30 }),
          async (rate0, burst0, list) => {
            const { list: grants, rateAt, maxBurst, maxRate } = await runChanging(rate0, burst0, list);
            // Waits, reservations and allows alike: a claim is never granted before an earlier one.
            assertFifo(grants, true);
            if (withReservations) {
              // A reservation keeps its time when the rate is lowered after it was made, so the lower rate does not
              // bound the windows around it; the highest rate in play does, with no exception.
              assertWindows(grants, maxBurst, (t0, t1) => (maxRate * (t1 - t0 + 1)) / 1000);
            } else {
              assertWindows(grants, maxBurst, (t0, t1) => integral(rateAt, t0 - 1, t1));
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  }
});

/** ∫ rate dt over [t0, t1] (ms) for a step function given as [from, rate] pairs. */
function integral(rateAt: [t: number, rate: number][], t0: number, t1: number): number {
  let sum = 0;
  for (let i = 0; i < rateAt.length; i++) {
    const from = Math.max(t0, rateAt[i]![0]);
    const to = Math.min(t1, rateAt[i + 1]?.[0] ?? Infinity);
    if (to > from) sum += (rateAt[i]![1] * (to - from)) / 1000;
  }
  return sum;
}

/** Runs `list` against a limiter on a fake clock stepped 1 ms at a time, then drains it; returns what was granted. */
async function runChanging(rate0: number, burst0: number, list: Op[]) {
  using time = fakeTime();
  const lim = new Limiter({ rate: rate0, burst: burst0, now: time.now });
  const rateAt: [t: number, rate: number][] = [[0, rate0]];
  let maxBurst = burst0;
  let maxRate = rate0;
  const waits: WaitRecord[] = [];
  const reservations: ReserveRecord[] = [];
  const grants: Grant[] = [];
  let seq = 0;
  for (const op of list) {
    const now = time.now();
    switch (op.op) {
      case 'wait': {
        const ac = op.abortable ? new AbortController() : undefined;
        const rec: WaitRecord = { seq: seq++, n: op.n, ac };
        waits.push(rec);
        lim.wait(op.n, { signal: ac?.signal }).then(
          () => (rec.at = time.now()),
          (error: unknown) => (rec.error = error),
        );
        break;
      }
      case 'allow':
        if (lim.allow(op.n)) grants.push({ seq: seq++, t: now, n: op.n });
        break;
      case 'reserve': {
        const r = lim.reserve(op.n);
        if (r.ok) reservations.push({ seq: seq++, n: op.n, at: now + r.delayMs, cancel: r.cancel });
        break;
      }
      case 'cancel': {
        const r = reservations[op.pick % Math.max(1, reservations.length)];
        if (r === undefined || r.cancelledAt !== undefined) break;
        r.cancel();
        r.cancelledAt = now;
        break;
      }
      case 'abort': {
        const w = waits[op.pick % Math.max(1, waits.length)];
        if (w?.ac !== undefined && !w.ac.signal.aborted) w.ac.abort(new Error('aborted'));
        break;
      }
      case 'advance':
        await time.advance(op.ms);
        break;
      case 'setRate':
        lim.setRate(op.rate);
        rateAt.push([now, op.rate]);
        maxRate = Math.max(maxRate, op.rate);
        break;
      case 'setBurst':
        lim.setBurst(op.burst);
        maxBurst = Math.max(maxBurst, op.burst);
        break;
    }
  }
  // Liveness: at a positive rate every waiter is eventually served, or was rejected (aborted, or beyond the burst).
  // The drain rate may be lower than the last one, with reservations outstanding: the bounds hold all the same.
  const drainRate = 50;
  lim.setRate(drainRate);
  rateAt.push([time.now(), drainRate]);
  maxRate = Math.max(maxRate, drainRate);
  const unsettled = (): WaitRecord[] => waits.filter((w) => w.at === undefined && w.error === undefined);
  for (let round = 0; round < 100 && unsettled().length !== 0; round++) await time.advance(100);
  for (const w of waits) {
    assert.ok(w.at !== undefined || w.error !== undefined, `wait #${w.seq}(${w.n}) settled`);
    if (w.at !== undefined) grants.push({ seq: w.seq, t: w.at, n: w.n });
  }
  for (const r of reservations) {
    if (r.cancelledAt === undefined || r.cancelledAt > r.at) grants.push({ seq: r.seq, t: r.at, n: r.n });
  }
  assert.equal(lim.pending, 0);
  return { list: grants, rateAt, maxBurst, maxRate };
}
