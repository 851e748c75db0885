import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { History, START_ID, type HistoryEntry } from './history.js';

/**
 * The reference: every entry ever added (after the start position, entry 0), and the rule "an id is known if exactly
 * one of the retained entries and the one evicted last carries it".
 */
interface Model {
  size: number;
  all: HistoryEntry[];
}

function retained(m: Model): HistoryEntry[] {
  return m.size === 0 ? [] : m.all.slice(-m.size);
}

const START = { seq: 0, id: START_ID, topic: '', chunk: Buffer.alloc(0) };

function modelFind(m: Model, id: string): number | undefined {
  const kept = retained(m);
  const evicted = [START, ...m.all][m.all.length - kept.length]!;
  const matches = [evicted, ...kept].filter((e) => e.id === id);
  return matches.length === 1 ? matches[0]!.seq : undefined;
}

const ids = fc.constantFrom('0', '1', '2', '3', 'a', 'b', '');

class Add implements fc.Command<Model, History> {
  constructor(readonly id: string) {}
  check = (): boolean => true;
  run(m: Model, h: History): void {
    const entry = { seq: m.all.length + 1, id: this.id, topic: 't', chunk: Buffer.alloc(0) };
    m.all.push(entry);
    h.add(entry);
    assert.equal(h.latest, entry);
    assert.equal(h.length, retained(m).length);
  }
  toString = (): string => `add(${JSON.stringify(this.id)})`;
}

class Find implements fc.Command<Model, History> {
  constructor(readonly id: string) {}
  check = (): boolean => true;
  run(m: Model, h: History): void {
    const seq = h.find(this.id);
    assert.equal(seq, modelFind(m, this.id), `find(${JSON.stringify(this.id)})`);
    if (seq === undefined) return;
    const got: number[] = [];
    h.forEachAfter(seq, (e) => got.push(e.seq));
    // Exactly the events after it, in order: and they must all be retained, or the answer would hide a gap.
    const want = m.all.filter((e) => e.seq > seq).map((e) => e.seq);
    assert.ok(want.length <= retained(m).length, 'a found id never hides an evicted event');
    assert.deepEqual(got, want, `forEachAfter(${seq})`);
  }
  toString = (): string => `find(${JSON.stringify(this.id)})`;
}

describe('History', () => {
  it('finds the retained ids and the last evicted one, and replays exactly what followed (model-based)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.commands([ids.map((id) => new Add(id)), ids.map((id) => new Find(id))], { maxCommands: 60 }),
        (size, cmds) => {
          fc.modelRun(() => ({ model: { size, all: [] }, real: new History(size) }), cmds);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('answers undefined for an id reused on another topic, while either use is still known', () => {
    // Per-topic counters: topic a and topic b both publish id '1'. A client of a that saw a:1 must not be resumed
    // after b:1 (it would silently miss a:2).
    const h = new History(10);
    const e = (seq: number, id: string, topic: string) => ({ seq, id, topic, chunk: Buffer.alloc(0) });
    h.add(e(1, '1', 'a'));
    h.add(e(2, '2', 'a'));
    assert.equal(h.find('1'), 1);
    h.add(e(3, '1', 'b'));
    assert.equal(h.find('1'), undefined);
    assert.equal(h.find('2'), 2);
  });

  it('allocates nothing for a large bound until entries arrive', () => {
    const before = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    const histories = Array.from({ length: 3 }, () => new History(20_000_000));
    const grown = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed - before;
    // Eagerly, each would hold a 20,000,000-slot array: 160 MB apiece.
    assert.ok(grown < 20_000_000, `3 histories of bound 2e7 took ${grown} bytes`);
    assert.equal(histories[0]!.length, 0);
  });

  it('knows the start position until the first entry is evicted', () => {
    const h = new History(1);
    assert.equal(h.position, START_ID);
    assert.equal(h.find(START_ID), 0);
    h.add({ seq: 1, id: 'x', topic: 't', chunk: Buffer.alloc(0) });
    assert.equal(h.find(START_ID), 0);
    assert.equal(h.position, 'x');
    h.add({ seq: 2, id: 'y', topic: 't', chunk: Buffer.alloc(0) });
    assert.equal(h.find(START_ID), undefined);
  });

  it('knows nothing before the first publish and forgets everything on clear', () => {
    const h = new History(3);
    assert.equal(h.find('1'), undefined);
    assert.equal(h.latest, undefined);
    h.add({ seq: 1, id: '1', topic: 't', chunk: Buffer.alloc(0) });
    assert.equal(h.find('1'), 1);
    h.clear();
    assert.equal(h.length, 0);
    assert.equal(h.find('1'), undefined);
  });
});
