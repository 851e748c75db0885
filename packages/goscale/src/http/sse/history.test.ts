import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { History, type HistoryEntry } from './history.js';

/** The reference: every entry ever added, and the rule "an id is known if it is retained or was evicted last". */
interface Model {
  size: number;
  all: HistoryEntry[];
}

function retained(m: Model): HistoryEntry[] {
  return m.size === 0 ? [] : m.all.slice(-m.size);
}

function modelFind(m: Model, id: string): number | undefined {
  const kept = retained(m);
  for (let i = kept.length - 1; i >= 0; i--) if (kept[i]!.id === id) return kept[i]!.seq;
  const evicted = m.all[m.all.length - kept.length - 1];
  return evicted?.id === id ? evicted.seq : undefined;
}

const ids = fc.constantFrom('1', '2', '3', 'a', 'b', '');

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
