import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, hash, keyedLognormal } from './prng.js';

describe('createRng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    assert.deepEqual(
      Array.from({ length: 100 }, () => b.next()),
      xs,
    );
    assert.notDeepEqual(
      Array.from({ length: 100 }, () => c.next()),
      xs,
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });

  it('draws log-normal samples whose median is the requested median', () => {
    const rng = createRng(7);
    const samples = Array.from({ length: 20_001 }, () => rng.lognormal(20, 0.5)).sort((a, b) => a - b);
    const median = samples[10_000]!;
    assert.ok(Math.abs(median - 20) < 0.6, `median = ${median}; want 20 ± 0.6`);
    assert.ok(samples[0]! > 0);
  });

  it('draws integers within the inclusive bounds', () => {
    const rng = createRng(1);
    const seen = new Set(Array.from({ length: 1000 }, () => rng.int(1, 5)));
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5]);
  });
});

describe('keyedLognormal', () => {
  it('depends only on seed and key, not on call order', () => {
    const first = [keyedLognormal(42, 'a', 10, 0.3), keyedLognormal(42, 'b', 10, 0.3)];
    const second = [keyedLognormal(42, 'b', 10, 0.3), keyedLognormal(42, 'a', 10, 0.3)];
    assert.deepEqual(first, second.reverse());
    assert.notEqual(hash(42, 'a'), hash(42, 'b'));
    assert.notEqual(hash(42, 'a'), hash(43, 'a'));
  });
});
