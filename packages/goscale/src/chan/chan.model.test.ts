import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Channel } from './channel.js';
import { ChannelClosedError } from './errors.js';
import { recvOn, select, sendOn, trySelect, type SelectCase } from './select.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

// Every operation (plain recv/send, a for-await step, select, and their try- forms) is modelled as a list of cases,
// each of which may wait in one queue of one channel. The reference model is the obvious one: arrays for buffers and
// queues, and a waiting operation's entries removed from every queue the moment one of them fires.

type Kind = 'recv' | 'send';
type Mode = 'recv' | 'send' | 'iter' | 'select' | 'tryRecv' | 'trySend' | 'trySelect';
type Outcome =
  | { index: number; value: number | undefined; ok: boolean }
  | 'closed'
  | 'aborted'
  | 'none'
  | `other: ${string}`;

interface CaseSpec {
  ch: number;
  kind: Kind;
}
interface Entry {
  op: number;
  index: number;
  value: number | undefined;
}
interface MChan {
  cap: number;
  buf: number[];
  recvq: Entry[];
  sendq: Entry[];
  closed: boolean;
}
interface Model {
  chans: MChan[];
  outcomes: (Outcome | undefined)[];
}
interface RealOp {
  outcome: Outcome | undefined;
  controller: AbortController | undefined;
}
interface Real {
  chans: Channel<number>[];
  ops: RealOp[];
}

const REASON = new Error('aborted by the model test');

function removeOp(m: Model, op: number): void {
  for (const c of m.chans) {
    c.recvq = c.recvq.filter((e) => e.op !== op);
    c.sendq = c.sendq.filter((e) => e.op !== op);
  }
}

function fire(m: Model, e: Entry, value: number | undefined, ok: boolean): void {
  removeOp(m, e.op);
  m.outcomes[e.op] = { index: e.index, value, ok };
}

function recvNow(m: Model, c: MChan): { value: number | undefined; ok: boolean } {
  if (c.buf.length > 0) {
    const value = c.buf.shift()!;
    const s = c.sendq.shift();
    if (s !== undefined) {
      c.buf.push(s.value!);
      fire(m, s, undefined, true);
    }
    return { value, ok: true };
  }
  const s = c.sendq.shift();
  if (s !== undefined) {
    fire(m, s, undefined, true);
    return { value: s.value, ok: true };
  }
  return { value: undefined, ok: false };
}

function sendNow(m: Model, c: MChan, value: number): void {
  const r = c.recvq.shift();
  if (r !== undefined) fire(m, r, value, true);
  else c.buf.push(value);
}

const ready = (c: MChan, kind: Kind): boolean =>
  kind === 'recv'
    ? c.buf.length > 0 || c.sendq.length > 0 || c.closed
    : c.recvq.length > 0 || c.buf.length < c.cap;

function record(op: RealOp, promise: Promise<unknown>, shape: (v: never) => Outcome): void {
  promise.then(
    (v) => (op.outcome = shape(v as never)),
    (e: unknown) => {
      op.outcome =
        e === REASON ? 'aborted' : e instanceof ChannelClosedError ? 'closed' : `other: ${String(e)}`;
    },
  );
}

const plainRecv = (r: { value: number | undefined; ok: boolean }): Outcome => ({ index: 0, ...r });
const plainSend = (): Outcome => ({ index: 0, value: undefined, ok: true });
const iterStep = (r: IteratorResult<number>): Outcome => ({
  index: 0,
  value: r.done === true ? undefined : r.value,
  ok: r.done !== true,
});

function tryOutcome(fn: () => Outcome): Outcome {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ChannelClosedError) return 'closed';
    throw e;
  }
}

async function compare(m: Model, r: Real): Promise<void> {
  await flush();
  for (let op = 0; op < r.ops.length; op++) {
    assert.deepEqual(r.ops[op]!.outcome, m.outcomes[op], `outcome of op ${op}`);
    const ctl = r.ops[op]!.controller;
    if (ctl !== undefined) {
      assert.equal(listeners(ctl.signal), m.outcomes[op] === undefined ? 1 : 0, `listeners of op ${op}`);
    }
  }
  m.chans.forEach((c, i) => {
    assert.equal(r.chans[i]!.length, c.buf.length, `length of channel ${i}`);
    assert.equal(r.chans[i]!.closed, c.closed, `closed of channel ${i}`);
  });
}

class OpCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly mode: Mode,
    readonly specs: CaseSpec[],
    readonly signal: 'none' | 'live' | 'aborted',
  ) {}

  check = (): boolean => true;

  async run(m: Model, r: Real): Promise<void> {
    const id = r.ops.length;
    const cases: CaseSpec[] = this.mode.endsWith('elect')
      ? this.specs
      : [{ ch: this.specs[0]!.ch, kind: /send/i.test(this.mode) ? 'send' : 'recv' }];
    const valueOf = (index: number): number => id * 10 + index + 1;
    let controller: AbortController | undefined;
    if (this.signal !== 'none') {
      controller = new AbortController();
      if (this.signal === 'aborted') controller.abort(REASON);
    }
    const op: RealOp = { outcome: undefined, controller };
    r.ops.push(op);
    const opts = { signal: controller?.signal };
    const ch = r.chans[cases[0]!.ch]!;
    const selectCases = (): SelectCase[] =>
      cases.map((c, i) => (c.kind === 'recv' ? recvOn(r.chans[c.ch]!) : sendOn(r.chans[c.ch]!, valueOf(i))));
    const isTry = this.mode.startsWith('try');
    switch (this.mode) {
      case 'recv':
        record(op, ch.recv(opts), plainRecv);
        break;
      case 'send':
        record(op, ch.send(valueOf(0), opts), plainSend);
        break;
      case 'iter':
        // A step of `for await (const v of ch.values({ signal }))`.
        record(op, ch.values(opts).next(), iterStep);
        break;
      case 'select':
        record(op, select(selectCases(), opts), (v: Outcome) => v);
        break;
      case 'tryRecv':
        op.outcome = tryOutcome(() => {
          const got = ch.tryRecv();
          return got === undefined ? 'none' : plainRecv(got);
        });
        break;
      case 'trySend':
        op.outcome = tryOutcome(() => (ch.trySend(valueOf(0)) ? plainSend() : 'none'));
        break;
      case 'trySelect':
        op.outcome = tryOutcome(() => (trySelect(selectCases()) as Outcome | undefined) ?? 'none');
        break;
    }
    await flush();

    // The model.
    m.outcomes[id] = undefined;
    if (this.signal === 'aborted' && !isTry) {
      m.outcomes[id] = 'aborted';
    } else if (cases.some((c) => c.kind === 'send' && m.chans[c.ch]!.closed)) {
      m.outcomes[id] = 'closed';
    } else {
      const readyIdx = cases.flatMap((c, i) => (ready(m.chans[c.ch]!, c.kind) ? [i] : []));
      if (readyIdx.length > 0) {
        // Which ready case the real select picked is its free (random) choice; the model checks it was allowed.
        const real = op.outcome;
        const chosen = readyIdx.length === 1 ? readyIdx[0]! : typeof real === 'object' ? real.index : -1;
        assert.ok(
          readyIdx.includes(chosen),
          `op ${id} chose ${JSON.stringify(real)}; ready: ${readyIdx.join()}`,
        );
        const c = cases[chosen]!;
        if (c.kind === 'recv') m.outcomes[id] = { index: chosen, ...recvNow(m, m.chans[c.ch]!) };
        else {
          sendNow(m, m.chans[c.ch]!, valueOf(chosen));
          m.outcomes[id] = { index: chosen, value: undefined, ok: true };
        }
      } else if (isTry) {
        m.outcomes[id] = 'none';
      } else {
        cases.forEach((c, index) => {
          const q = m.chans[c.ch]!;
          if (c.kind === 'recv') q.recvq.push({ op: id, index, value: undefined });
          else q.sendq.push({ op: id, index, value: valueOf(index) });
        });
      }
    }
    await compare(m, r);
  }

  toString = (): string => `${this.mode}(${JSON.stringify(this.specs)}, ${this.signal})`;
}

class AbortCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const live = r.ops.flatMap((op, id) => (op.controller !== undefined ? [id] : []));
    if (live.length === 0) return;
    const id = live[this.pick % live.length]!;
    r.ops[id]!.controller!.abort(REASON);
    if (m.outcomes[id] === undefined) {
      removeOp(m, id);
      m.outcomes[id] = 'aborted';
    }
    await compare(m, r);
  }
  toString = (): string => `abort(${this.pick})`;
}

class CloseCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ch: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.chans[this.ch]!;
    if (c.closed) {
      assert.throws(() => r.chans[this.ch]!.close(), ChannelClosedError);
    } else {
      r.chans[this.ch]!.close();
      c.closed = true;
      for (let e = c.recvq.shift(); e !== undefined; e = c.recvq.shift()) fire(m, e, undefined, false);
      for (let e = c.sendq.shift(); e !== undefined; e = c.sendq.shift()) {
        removeOp(m, e.op);
        m.outcomes[e.op] = 'closed';
      }
    }
    await compare(m, r);
  }
  toString = (): string => `close(${this.ch})`;
}

const caseArb = fc.record({
  ch: fc.integer({ min: 0, max: 1 }),
  kind: fc.constantFrom<Kind>('recv', 'send'),
});
const opArb = fc
  .tuple(
    fc.constantFrom<Mode>('recv', 'send', 'iter', 'select', 'tryRecv', 'trySend', 'trySelect'),
    fc.array(caseArb, { minLength: 1, maxLength: 3 }),
    fc.constantFrom<'none' | 'live' | 'aborted'>('none', 'live', 'live', 'aborted'),
  )
  .map(([mode, specs, signal]) => new OpCommand(mode, specs, signal));
const commandArbs = [
  opArb,
  opArb,
  opArb,
  fc.nat().map((n) => new AbortCommand(n)),
  fc.integer({ min: 0, max: 1 }).map((ch) => new CloseCommand(ch)),
];

describe('Channel and select against a reference model', () => {
  it('agree on every outcome, buffer length and listener count over random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        fc.commands(commandArbs, { maxCommands: 40, size: 'medium' }),
        async (caps, cmds) => {
          const setup = () => ({
            model: {
              chans: caps.map((cap) => ({ cap, buf: [], recvq: [], sendq: [], closed: false })),
              outcomes: [],
            } as Model,
            real: { chans: caps.map((cap) => new Channel<number>(cap)), ops: [] } as Real,
          });
          await fc.asyncModelRun(setup, cmds);
        },
      ),
      { numRuns: 4000 },
    );
  });
});
