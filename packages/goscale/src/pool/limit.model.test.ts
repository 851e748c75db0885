import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { limit, type LimitFunction } from './limit.js';
import { flush, gate, type Gate } from '../testing/helpers.js';

/** The reference: a FIFO queue, a set of admitted calls and a limit. */
interface Model {
  max: number;
  queue: number[];
  running: Set<number>;
  admitted: number[];
  cleared: number[];
  finished: number[];
  next: number;
}

/** The limiter under test and what it was seen doing. */
interface Real {
  l: LimitFunction;
  rejectOnClear: boolean;
  gates: Gate[];
  started: number[];
  outcome: Map<number, 'ok' | 'abort' | 'other'>;
}

function admit(m: Model): void {
  while (m.running.size < m.max && m.queue.length > 0) {
    const id = m.queue.shift()!;
    m.running.add(id);
    m.admitted.push(id);
  }
}

function checkCounts(m: Model, r: Real): void {
  assert.equal(r.l.activeCount, m.running.size, 'activeCount');
  assert.equal(r.l.pendingCount, m.queue.length, 'pendingCount');
  assert.deepEqual(r.started, m.admitted.slice(0, r.started.length), 'calls start in admission order');
}

class Call implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = m.next++;
    const g = gate();
    r.gates[id] = g;
    r.l(() => {
      r.started.push(id);
      return g.promise.then(() => id);
    }).then(
      () => r.outcome.set(id, 'ok'),
      (e: unknown) =>
        r.outcome.set(id, e instanceof DOMException && e.name === 'AbortError' ? 'abort' : 'other'),
    );
    m.queue.push(id);
    admit(m);
    checkCounts(m, r);
  }
  toString = (): string => 'call';
}

class Finish implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.running.size > 0;
  async run(m: Model, r: Real): Promise<void> {
    await flush();
    assert.deepEqual(r.started, m.admitted, 'every admitted call has started');
    const running = [...m.running].sort((a, b) => a - b);
    const id = running[this.pick % running.length]!;
    r.gates[id]!.open();
    await flush();
    m.running.delete(id);
    m.finished.push(id);
    admit(m);
    checkCounts(m, r);
    assert.equal(r.outcome.get(id), 'ok');
  }
  toString = (): string => `finish(${this.pick})`;
}

class SetConcurrency implements fc.AsyncCommand<Model, Real> {
  constructor(readonly value: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.l.concurrency = this.value;
    // As in p-limit 7, the calls a raise allows start one microtask later: nothing changes synchronously.
    checkCounts(m, r);
    await Promise.resolve();
    m.max = this.value;
    admit(m);
    checkCounts(m, r);
  }
  toString = (): string => `concurrency = ${this.value}`;
}

class Clear implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.l.clearQueue();
    m.cleared.push(...m.queue);
    m.queue = [];
    checkCounts(m, r);
  }
  toString = (): string => 'clearQueue()';
}

/** Raises and clears in one tick: as in p-limit 7 the raise admits a microtask later, so the clear takes every call. */
class RaiseAndClear implements fc.AsyncCommand<Model, Real> {
  constructor(readonly value: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.l.concurrency = this.value;
    r.l.clearQueue();
    m.max = this.value;
    m.cleared.push(...m.queue);
    m.queue = [];
    await Promise.resolve();
    admit(m);
    checkCounts(m, r);
  }
  toString = (): string => `concurrency = ${this.value}; clearQueue()`;
}

class Settle implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await flush();
    assert.deepEqual(r.started, m.admitted);
    for (const id of m.cleared) assert.equal(r.outcome.get(id), r.rejectOnClear ? 'abort' : undefined);
    for (const id of m.running) assert.equal(r.outcome.get(id), undefined);
    checkCounts(m, r);
  }
  toString = (): string => 'settle';
}

describe('limit (model-based)', () => {
  it('matches a FIFO reference under calls, finishes, concurrency changes and clears', async () => {
    const commands = [
      fc.constant(new Call()),
      fc.constant(new Call()),
      fc.nat(50).map((k) => new Finish(k)),
      fc.nat(50).map((k) => new Finish(k)),
      fc.integer({ min: 1, max: 4 }).map((v) => new SetConcurrency(v)),
      fc.constant(new Clear()),
      fc.integer({ min: 1, max: 6 }).map((v) => new RaiseAndClear(v)),
      fc.constant(new Settle()),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.commands(commands, { maxCommands: 80, size: 'large' }),
        async (max, rejectOnClear, cmds) => {
          const setup = () => ({
            model: {
              max,
              queue: [],
              running: new Set<number>(),
              admitted: [],
              cleared: [],
              finished: [],
              next: 0,
            },
            real: {
              l: limit({ concurrency: max, rejectOnClear }),
              rejectOnClear,
              gates: [],
              started: [],
              outcome: new Map(),
            },
          });
          await fc.asyncModelRun(setup, cmds);
        },
      ),
      { numRuns: 300 },
    );
  });
});
