import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ClientConnection } from './client.js';

/** A response whose write() reports backpressure while `full` is set, recording what was written. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  full = false;
  destroyed = false;
  ended = false;
  write(chunk: Buffer | string): boolean {
    this.written.push(String(chunk));
    return !this.full;
  }
  end(chunk?: Buffer | string): this {
    if (chunk !== undefined) this.written.push(String(chunk));
    this.ended = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

function setup(bufferSize: number, dropOldest: boolean) {
  const res = new FakeResponse();
  const gone: number[] = [];
  const dirty: number[] = [];
  const client = new ClientConnection(1, ['t'], res as unknown as ServerResponse, {
    bufferSize,
    dropOldest,
    onDirty: (c) => dirty.push(c.id),
    onGone: (c) => gone.push(c.id),
  });
  return { res, client, gone, dirty };
}

/** Reference: what was written, what waits, and whether the client is still there. */
interface Model {
  bufferSize: number;
  dropOldest: boolean;
  written: string;
  queue: string[];
  waiting: boolean;
  full: boolean;
  closed: boolean;
  dropped: number;
  next: number;
  dirtyCalls: number;
  writes: number;
}
type Real = ReturnType<typeof setup>;

/** The reference flush: everything queued, as one write, unless backpressured. */
function modelFlush(m: Model): void {
  if (m.closed || m.waiting || m.queue.length === 0) return;
  m.written += m.queue.join('');
  m.writes++;
  m.queue = [];
  if (m.full) m.waiting = true;
}

class Publish implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const chunk = `e${m.next++};`;
    let want = true;
    if (m.closed) want = false;
    else {
      if (m.queue.length === m.bufferSize) {
        if (!m.waiting) modelFlush(m);
        else if (!m.dropOldest) {
          m.closed = true;
          m.queue = [];
          want = false;
        } else {
          m.queue.shift();
          m.dropped++;
        }
      }
      if (want) {
        m.queue.push(chunk);
        if (m.queue.length === 1 && !m.waiting) m.dirtyCalls++;
      }
    }
    assert.equal(r.client.enqueue(Buffer.from(chunk)), want);
    check(m, r);
  }
  toString = (): string => 'publish';
}

class Flush implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    modelFlush(m);
    r.client.flush();
    check(m, r);
  }
  toString = (): string => 'flush';
}

class SetFull implements fc.Command<Model, Real> {
  constructor(readonly full: boolean) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    m.full = r.res.full = this.full;
  }
  toString = (): string => `full=${this.full}`;
}

class Drain implements fc.Command<Model, Real> {
  check = (m: Model): boolean => m.waiting && !m.closed;
  run(m: Model, r: Real): void {
    m.waiting = false;
    modelFlush(m);
    r.res.emit('drain');
    check(m, r);
  }
  toString = (): string => 'drain';
}

class HangUp implements fc.Command<Model, Real> {
  check = (m: Model): boolean => !m.closed;
  run(m: Model, r: Real): void {
    m.closed = true;
    m.queue = [];
    r.res.emit('close');
    check(m, r);
  }
  toString = (): string => 'hang up';
}

function check(m: Model, r: Real): void {
  assert.equal(r.res.written.join(''), m.written);
  assert.equal(r.res.written.length, m.writes, 'one write per flush');
  assert.equal(r.dirty.length, m.dirtyCalls);
  assert.equal(r.client.queued, m.queue.length);
  assert.ok(r.client.queued <= m.bufferSize);
  assert.equal(r.client.closed, m.closed);
  assert.equal(r.client.dropped, m.dropped);
  assert.deepEqual(r.gone, m.closed ? [1] : []);
  if (m.closed) {
    assert.equal(r.res.listenerCount('close') + r.res.listenerCount('drain'), 0);
    assert.equal(r.client.signal.aborted, true);
  }
}

describe('ClientConnection', () => {
  it('keeps order, writes a flush as one chunk, bounds its queue, and disconnects or drops oldest as the model says', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.commands(
          [
            fc.constant(new Publish()),
            fc.constant(new Flush()),
            fc.boolean().map((f) => new SetFull(f)),
            fc.constant(new Drain()),
            fc.constant(new HangUp()),
          ],
          { maxCommands: 80 },
        ),
        (bufferSize, dropOldest, cmds) => {
          const model: Model = {
            ...{ bufferSize, dropOldest, written: '', queue: [], waiting: false, full: false },
            ...{ closed: false, dropped: 0, next: 0, dirtyCalls: 0, writes: 0 },
          };
          fc.modelRun(() => ({ model, real: setup(bufferSize, dropOldest) }), cmds);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('destroys the response of a client whose queue overflows under disconnect', () => {
    const { res, client } = setup(1, false);
    res.full = true;
    client.enqueue(Buffer.from('a'));
    client.enqueue(Buffer.from('b')); // the full queue is flushed ('a' written, now backpressured), 'b' queued
    assert.equal(client.enqueue(Buffer.from('c')), false);
    assert.equal(res.destroyed, true);
    assert.equal((client.signal.reason as DOMException).message, 'sse: client too slow, its queue was full');
  });

  it('ends with what is queued and the final event when caught up, and cuts off a client that is behind', () => {
    const a = setup(2, false);
    a.client.close({ data: 'bye' });
    assert.deepEqual([a.res.ended, a.res.destroyed, a.res.written], [true, false, ['data: bye\n\n']]);
    assert.deepEqual(a.gone, [1]);
    const c = setup(2, false);
    c.client.send({ data: 'queued' });
    c.client.close({ data: 'bye' });
    assert.deepEqual([c.res.ended, c.res.written], [true, ['data: queued\n\ndata: bye\n\n']]);
    const b = setup(2, false);
    b.res.full = true;
    b.client.send({ data: 'x' });
    b.client.flush();
    b.client.close({ data: 'bye' });
    assert.deepEqual([b.res.ended, b.res.destroyed], [false, true]);
    assert.equal(b.client.send({ data: 'late' }), false);
    assert.equal(b.res.listenerCount('drain') + b.res.listenerCount('close'), 0);
  });

  it('aborts a signal taken before the close, with the reason of the close', () => {
    const { res, client } = setup(2, false);
    const signal = client.signal;
    assert.equal(signal.aborted, false);
    res.emit('close');
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as DOMException).message, 'sse: client disconnected');
  });
});
