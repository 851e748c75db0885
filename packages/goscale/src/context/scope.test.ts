import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { withCancel, withTimeout, type Scope } from './scope.js';
import { abortListeners as listeners } from '../testing/helpers.js';

describe('withCancel', () => {
  it('aborts with an AbortError when cancelled without a reason', () => {
    const scope = withCancel();
    assert.equal(scope.signal.aborted, false);
    scope.cancel();
    assert.equal(scope.signal.aborted, true);
    assert.ok(scope.signal.reason instanceof DOMException);
    assert.equal(scope.signal.reason.name, 'AbortError');
  });

  it('keeps the first reason: a later cancel is a no-op', () => {
    const scope = withCancel();
    const first = new Error('first');
    scope.cancel(first);
    scope.cancel(new Error('second'));
    assert.equal(scope.signal.reason, first);
  });

  it('passes the parent reason down to the child', () => {
    const parent = new AbortController();
    const scope = withCancel(parent.signal);
    const why = new Error('shutting down');
    parent.abort(why);
    assert.equal(scope.signal.aborted, true);
    assert.equal(scope.signal.reason, why);
  });

  it('starts aborted when the parent already is', () => {
    const parent = new AbortController();
    parent.abort('gone');
    const scope = withCancel(parent.signal);
    assert.equal(scope.signal.aborted, true);
    assert.equal(scope.signal.reason, 'gone');
    assert.equal(listeners(parent.signal), 0);
  });

  it('does not abort the parent when the child is cancelled', () => {
    const parent = new AbortController();
    const scope = withCancel(parent.signal);
    scope.cancel();
    assert.equal(parent.signal.aborted, false);
  });

  it('unlinks from the parent when cancelled, disposed, or when the parent aborts', () => {
    const parent = new AbortController();
    const a = withCancel(parent.signal);
    const b = withCancel(parent.signal);
    assert.equal(listeners(parent.signal), 2);
    a.cancel();
    assert.equal(listeners(parent.signal), 1);
    b[Symbol.dispose]();
    assert.equal(listeners(parent.signal), 0);
    const c = withCancel(parent.signal);
    parent.abort();
    assert.equal(c.signal.aborted, true);
    assert.equal(listeners(parent.signal), 0);
  });

  it('ends the scope at the end of a `using` block', () => {
    const parent = new AbortController();
    let inner: AbortSignal | undefined;
    {
      using scope = withCancel(parent.signal);
      inner = scope.signal;
      assert.equal(inner.aborted, false);
    }
    assert.equal(inner.aborted, true);
    assert.equal(listeners(parent.signal), 0);
  });

  it('leaves a long-lived parent with the listener count it had after a million children', () => {
    const parent = new AbortController();
    const before = listeners(parent.signal);
    for (let i = 0; i < 1_000_000; i++) withCancel(parent.signal)[Symbol.dispose]();
    assert.equal(listeners(parent.signal), before);
  });

  it('propagates through a chain of scopes', () => {
    const root = withCancel();
    const mid = withCancel(root.signal);
    const leaf = withCancel(mid.signal);
    root.cancel('stop');
    assert.equal(leaf.signal.reason, 'stop');
  });

  it('rejects a parent that is not an AbortSignal, naming it', () => {
    assert.throws(() => withCancel({} as AbortSignal), {
      name: 'TypeError',
      message: /withCancel: expected `signal` to be an AbortSignal, got `\[object Object\]` \(object\)/,
    });
  });

  it('has the documented type', () => {
    expectTypeOf(withCancel()).toEqualTypeOf<Scope>();
    expectTypeOf<Scope['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<Scope>().toMatchTypeOf<Disposable>();
  });
});

describe('withTimeout', () => {
  it('aborts with a TimeoutError DOMException when the time is up, not before', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const scope = withTimeout(undefined, 1000);
      mock.timers.tick(999);
      assert.equal(scope.signal.aborted, false);
      mock.timers.tick(1);
      assert.equal(scope.signal.aborted, true);
      assert.ok(scope.signal.reason instanceof DOMException);
      assert.equal(scope.signal.reason.name, 'TimeoutError');
    } finally {
      mock.timers.reset();
    }
  });

  it('honours deadlines past 2^31 − 1 ms, which a bare setTimeout turns into 1 ms', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    try {
      for (const ms of [2 ** 31, 30 * 86_400_000]) {
        const scope = withTimeout(undefined, ms);
        mock.timers.tick(1);
        assert.equal(scope.signal.aborted, false, `withTimeout(${ms}) aborted after 1 ms`);
        mock.timers.tick(ms - 2);
        assert.equal(scope.signal.aborted, false, `withTimeout(${ms}) aborted after ${ms - 1} ms`);
        mock.timers.tick(1);
        assert.equal((scope.signal.reason as DOMException).name, 'TimeoutError');
      }
    } finally {
      mock.timers.reset();
    }
  });

  it('clears its timer when cancelled or disposed early, also one past 2^31 − 1 ms', () => {
    for (const ms of [60_000, 2 ** 40]) {
      const scope = withTimeout(undefined, ms);
      const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      scope.cancel();
      const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      assert.equal(after, before - 1, `withTimeout(${ms}) left its timer`);
    }
  });

  it('ends at the parent abort before the deadline, with the parent reason, and clears the timer', () => {
    const parent = new AbortController();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const base = timers();
    const scope = withTimeout(parent.signal, 60_000);
    assert.equal(timers(), base + 1);
    parent.abort('parent');
    assert.equal(scope.signal.reason, 'parent');
    assert.equal(timers(), base);
    assert.equal(listeners(parent.signal), 0);
  });

  it('unlinks from the parent when the deadline strikes', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const parent = new AbortController();
      const scope = withTimeout(parent.signal, 10);
      assert.equal(listeners(parent.signal), 1);
      mock.timers.tick(10);
      assert.equal(scope.signal.aborted, true);
      assert.equal(listeners(parent.signal), 0);
      assert.equal(parent.signal.aborted, false);
    } finally {
      mock.timers.reset();
    }
  });

  it('treats Infinity as no deadline and arms no timer', () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const base = timers();
    const scope = withTimeout(undefined, Infinity);
    assert.equal(timers(), base);
    assert.equal(scope.signal.aborted, false);
    scope.cancel();
  });

  const bad: { ms: unknown; want: RegExp }[] = [
    { ms: -1, want: /got `-1` \(number\)/ },
    { ms: Number.NaN, want: /got `NaN` \(number\)/ },
    { ms: '10', want: /got `"10"` \(string\)/ },
    { ms: undefined, want: /got `undefined` \(undefined\)/ },
  ];
  for (const { ms, want } of bad) {
    it(`rejects ms = ${String(ms)} with a RangeError quoting it`, () => {
      assert.throws(() => withTimeout(undefined, ms as number), { name: 'RangeError', message: want });
    });
  }
});
