import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInteger } from './args.js';

describe('checkInteger', () => {
  const cases: { value: unknown; want: RegExp }[] = [
    { value: 0, want: /expected `n` to be an integer from 1 and up, got `0` \(number\)/ },
    { value: 1.5, want: /got `1.5` \(number\)/ },
    { value: '3', want: /expected `n` to be a number, got `"3"` \(string\)/ },
    { value: null, want: /got `null` \(null\)/ },
    {
      value: 2 ** 53,
      want: /expected `n` to be an integer from 1 to 9007199254740991 \(Number.MAX_SAFE_INTEGER\), got `9007199254740992`/,
    },
  ];
  for (const { value, want } of cases) {
    it(`rejects ${String(value)} naming it`, () => {
      assert.throws(() => checkInteger('owner', 'n', value, 1), want);
    });
  }

  it('accepts Infinity only when allowed', () => {
    assert.doesNotThrow(() => checkInteger('owner', 'n', Infinity, 1, true));
    assert.throws(() => checkInteger('owner', 'n', Infinity, 1), RangeError);
  });

  it('accepts Number.MAX_SAFE_INTEGER and nothing past it, even when Infinity is allowed', () => {
    assert.doesNotThrow(() => checkInteger('owner', 'n', Number.MAX_SAFE_INTEGER, 1, true));
    assert.throws(() => checkInteger('owner', 'n', 2 ** 60, 1, true), {
      name: 'RangeError',
      message:
        /from 1 to 9007199254740991 \(Number.MAX_SAFE_INTEGER\) \(or Infinity\), got `1152921504606846976`/,
    });
  });

  it('names a tighter bound when one is given', () => {
    assert.doesNotThrow(() => checkInteger('owner', 'n', 10, 0, false, 10));
    assert.throws(() => checkInteger('owner', 'n', 11, 0, false, 10), {
      name: 'RangeError',
      message: 'owner: expected `n` to be an integer from 0 to 10, got `11` (number)',
    });
  });
});
