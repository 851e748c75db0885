import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentFaster, speedPhrase, speedup } from './conclude.js';
import { fmtErrors, fmtMs, fmtX, renderConclusions, renderTable } from './format.js';

describe('speedPhrase', () => {
  const cases: Array<{ ms: number; baseline: number; want: string }> = [
    { ms: 1000, baseline: 3100, want: '3.1x faster than' },
    { ms: 100, baseline: 1500, want: '15x faster than' },
    { ms: 1400, baseline: 1000, want: '1.4x slower than' },
    { ms: 1000, baseline: 1030, want: 'about as fast as' },
    { ms: 0, baseline: 10, want: 'not comparable with' },
  ];
  for (const { ms, baseline, want } of cases) {
    it(`describes ${ms} ms against ${baseline} ms as "${want}"`, () => {
      assert.equal(speedPhrase(ms, baseline), want);
    });
  }

  it('agrees with speedup and percentFaster', () => {
    assert.equal(speedup(500, 1000), 2);
    assert.equal(percentFaster(600, 1000), 40);
    assert.equal(speedup(0, 1), Infinity);
  });
});

describe('formatting', () => {
  it('formats durations, ratios and error tallies', () => {
    assert.equal(fmtMs(850.4), '850 ms');
    assert.equal(fmtMs(2412), '2.41 s');
    assert.equal(fmtX(3.14), '3.1x');
    assert.equal(fmtX(12.4), '12x');
    assert.equal(fmtErrors({}), '0');
    assert.equal(fmtErrors({ '503': 880, '0': 2 }), '2 (0), 880 (503)');
  });

  it('renders tables aligned, without escape codes when colour is off', () => {
    const text = renderTable(
      {
        title: 'T',
        columns: ['name', 'wall'],
        rows: [
          ['a', '1.00 s'],
          ['long name', '12 ms'],
        ],
      },
      false,
    );
    assert.equal(text, 'T\nname       wall\n─────────  ──────\na          1.00 s\nlong name   12 ms\n');
    assert.equal(renderConclusions([{ ok: false, text: 'x', claim: 'y' }], false).includes('\u001b'), false);
    assert.equal(renderConclusions([{ ok: true, text: 'x' }], true).includes('\u001b['), true);
  });
});
