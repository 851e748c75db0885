import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { Channel, type RecvResult } from './channel.js';
import {
  recvOn,
  select,
  sendOn,
  trySelect,
  type RecvCase,
  type SelectCase,
  type SendCase,
} from './select.js';

// These assertions are checked by `npm run typecheck`; at run time they only prove the calls are well-formed.
describe('chan types', () => {
  it('types recv results by the channel element type', () => {
    const ch = new Channel<number>(1);
    expectTypeOf(ch.recv()).toEqualTypeOf<Promise<RecvResult<number>>>();
    expectTypeOf(ch.tryRecv()).toEqualTypeOf<RecvResult<number> | undefined>();
    expectTypeOf<RecvResult<number>['value']>().toEqualTypeOf<number | undefined>();
    const r = ch.tryRecv();
    if (r?.ok === true) expectTypeOf(r.value).toEqualTypeOf<number>();
    expectTypeOf(ch.send).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(ch).toMatchTypeOf<AsyncIterable<number>>();
    // @ts-expect-error a string does not fit a Channel<number>
    void ch.send('x').catch(() => {});
  });

  it('gives recvOn<T> a value of T | undefined and checks sendOn values against the channel', async () => {
    const nums = new Channel<number>(1);
    const strs = new Channel<string>(1);
    expectTypeOf(recvOn(nums)).toEqualTypeOf<RecvCase<number>>();
    expectTypeOf(sendOn(strs, 'a')).toEqualTypeOf<SendCase<string>>();
    // @ts-expect-error 1 is not a string: sendOn does not widen the channel type to fit the value
    sendOn(strs, 1);
    nums.trySend(1);
    const one = await select([recvOn(nums)]);
    expectTypeOf(one.value).toEqualTypeOf<number | undefined>();
    expectTypeOf(one.index).toEqualTypeOf<0>();
    expectTypeOf(one.ok).toEqualTypeOf<boolean>();
  });

  it('narrows a select result by index', async () => {
    const nums = new Channel<number>(1);
    const strs = new Channel<string>(1);
    const r = await select([recvOn(nums), sendOn(strs, 'a')]);
    expectTypeOf(r.index).toEqualTypeOf<0 | 1>();
    expectTypeOf(r.value).toEqualTypeOf<number | undefined>();
    if (r.index === 1) {
      expectTypeOf(r.value).toEqualTypeOf<undefined>();
      expectTypeOf(r.ok).toEqualTypeOf<true>();
    }
    const t = trySelect([recvOn(strs)]);
    expectTypeOf(t).toEqualTypeOf<
      { index: 0; value: string; ok: true } | { index: 0; value: undefined; ok: false } | undefined
    >();
  });

  it('falls back to index: number for a case array that is not a tuple', async () => {
    const ch = new Channel<number>(1);
    ch.trySend(1);
    const cases: SelectCase[] = [recvOn(ch)];
    const r = await select(cases);
    expectTypeOf(r.index).toEqualTypeOf<number>();
    expectTypeOf(r.ok).toEqualTypeOf<boolean>();
    expectTypeOf(select).parameter(1).toEqualTypeOf<{ signal?: AbortSignal | undefined } | undefined>();
  });

  it('yields T from for await and from values()', async () => {
    const ch = new Channel<string>();
    ch.close();
    for await (const v of ch) expectTypeOf(v).toEqualTypeOf<string>();
    for await (const v of ch.values({ signal: new AbortController().signal }))
      expectTypeOf(v).toEqualTypeOf<string>();
  });
});
