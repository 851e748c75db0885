import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Group } from './group.js';
import { abortListeners, flush } from '../testing/helpers.js';

/** The reference model: a list of running ids, a FIFO queue, and the group's few flags. */
interface Model {
  readonly limit: number;
  nextId: number;
  running: number[];
  queue: number[];
  started: number[];
  admitted: Set<number>;
  cancelled: boolean;
  firstError: number | undefined;
  dropped: boolean;
  parentAborted: boolean;
  waitCalled: boolean;
  settled: boolean;
}

interface Real {
  group: Group;
  parent: AbortController;
  gates: Map<number, { open: () => void; fail: (e: unknown) => void }>;
  errors: Map<number, Error>;
  started: number[];
  admitted: Set<number>;
  outcome: { ok: true } | { ok: false; reason: unknown } | undefined;
}

const PARENT_REASON = new Error('parent aborted');

function cancel(m: Model): void {
  m.cancelled = true;
  for (const id of m.queue) {
    m.dropped = true;
    m.admitted.add(id);
  }
  m.queue = [];
}

function start(m: Model, id: number): void {
  m.running.push(id);
  m.started.push(id);
  m.admitted.add(id);
}

function settleIfDone(m: Model): void {
  if (m.waitCalled && !m.settled && m.running.length === 0) {
    m.settled = true;
    cancel(m);
  }
}

function task(r: Real, id: number): (signal: AbortSignal) => Promise<void> {
  return () => {
    r.started.push(id);
    return new Promise<void>((open, fail) => r.gates.set(id, { open, fail }));
  };
}

/** Compares the system at rest with the model. */
async function compare(m: Model, r: Real): Promise<void> {
  await flush();
  assert.deepEqual(r.started, m.started, 'started tasks');
  assert.deepEqual([...r.admitted].sort(), [...m.admitted].sort(), 'settled go() calls');
  assert.equal(r.group.signal.aborted, m.cancelled, 'group.signal.aborted');
  const linked = !m.cancelled && !m.parentAborted ? 1 : 0;
  assert.equal(abortListeners(r.parent.signal), linked, 'listeners on the parent');
  if (!m.settled) {
    assert.equal(r.outcome, undefined, 'wait() still pending');
  } else if (m.firstError !== undefined) {
    assert.deepEqual(r.outcome, { ok: false, reason: r.errors.get(m.firstError) });
  } else if (m.dropped) {
    assert.deepEqual(r.outcome, { ok: false, reason: PARENT_REASON });
  } else {
    assert.deepEqual(r.outcome, { ok: true });
  }
}

class Go implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => !m.settled;
  async run(m: Model, r: Real): Promise<void> {
    const id = m.nextId++;
    void r.group.go(task(r, id)).then(() => r.admitted.add(id));
    if (m.cancelled) {
      m.dropped = true;
      m.admitted.add(id);
    } else if (m.running.length < m.limit) start(m, id);
    else m.queue.push(id);
    await compare(m, r);
  }
  toString = (): string => 'go';
}

class TryGo implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => !m.settled;
  async run(m: Model, r: Real): Promise<void> {
    const id = m.nextId++;
    const got = r.group.tryGo(task(r, id));
    const want = !m.cancelled && m.running.length < m.limit;
    if (want) {
      start(m, id);
      r.admitted.add(id);
    }
    assert.equal(got, want, `tryGo() = ${got}; want ${want}`);
    await compare(m, r);
  }
  toString = (): string => 'tryGo';
}

class Finish implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly ok: boolean,
  ) {}
  check = (m: Readonly<Model>): boolean => m.running.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const id = m.running[this.pick % m.running.length]!;
    m.running = m.running.filter((x) => x !== id);
    const error = new Error(`task ${id}`);
    r.errors.set(id, error);
    if (this.ok) r.gates.get(id)!.open();
    else r.gates.get(id)!.fail(error);
    if (!this.ok && m.firstError === undefined) {
      m.firstError = id;
      cancel(m);
    }
    const next = m.cancelled ? undefined : m.queue.shift();
    if (next !== undefined) start(m, next);
    settleIfDone(m);
    await compare(m, r);
  }
  toString = (): string => `finish(${this.pick}, ${this.ok ? 'ok' : 'fail'})`;
}

class AbortParent implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => !m.parentAborted;
  async run(m: Model, r: Real): Promise<void> {
    m.parentAborted = true;
    r.parent.abort(PARENT_REASON);
    // A settled or failed group has already unlinked itself: the parent's abort does not reach it.
    if (!m.cancelled) cancel(m);
    await compare(m, r);
  }
  toString = (): string => 'abortParent';
}

class Wait implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => !m.waitCalled;
  async run(m: Model, r: Real): Promise<void> {
    m.waitCalled = true;
    r.group.wait().then(
      () => (r.outcome = { ok: true }),
      (reason: unknown) => (r.outcome = { ok: false, reason }),
    );
    settleIfDone(m);
    await compare(m, r);
  }
  toString = (): string => 'wait';
}

describe('Group against a reference model', () => {
  it('agrees with the model on starts, admissions, cancellation, unlinking and the outcome of wait()', async () => {
    const commands = [
      fc.constant(new Go()),
      fc.constant(new TryGo()),
      fc
        .tuple(fc.nat(8), fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, fc.constant(false)))
        .map(([pick, ok]) => new Finish(pick, ok)),
      fc.constant(new AbortParent()),
      fc.constant(new Wait()),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.commands(commands, { maxCommands: 40 }),
        async (limit, cmds) => {
          const setup = (): { model: Model; real: Real } => {
            const parent = new AbortController();
            return {
              model: {
                limit,
                nextId: 0,
                running: [],
                queue: [],
                started: [],
                admitted: new Set(),
                cancelled: false,
                firstError: undefined,
                dropped: false,
                parentAborted: false,
                waitCalled: false,
                settled: false,
              },
              real: {
                group: new Group({ signal: parent.signal, limit }),
                parent,
                gates: new Map(),
                errors: new Map(),
                started: [],
                admitted: new Set(),
                outcome: undefined,
              },
            };
          };
          await fc.asyncModelRun(setup, cmds);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
