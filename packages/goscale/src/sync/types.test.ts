import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { Mutex, Once, RWMutex, Semaphore, SingleFlight, WaitGroup, type Release } from './index.js';

// Checked by `npm run typecheck`; the runtime part only proves the file loads.
describe('sync types', () => {
  it('keeps the public shapes of the sync primitives', () => {
    expectTypeOf<Release>().toBeCallableWith();
    expectTypeOf<Release>().toMatchTypeOf<Disposable>();
    expectTypeOf<ReturnType<Release>>().toEqualTypeOf<void>();

    const mu = new Mutex();
    expectTypeOf(mu.lock()).toEqualTypeOf<Promise<Release>>();
    expectTypeOf(mu.tryLock()).toEqualTypeOf<Release | undefined>();
    expectTypeOf(mu.withLock(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(mu.withLock(async () => 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(mu.locked).toEqualTypeOf<boolean>();
    expectTypeOf(mu.lock).parameter(0).toEqualTypeOf<{ signal?: AbortSignal | undefined } | undefined>();

    const rw = new RWMutex();
    expectTypeOf(rw.rlock()).toEqualTypeOf<Promise<Release>>();
    expectTypeOf(rw.tryRLock()).toEqualTypeOf<Release | undefined>();
    expectTypeOf(rw.withRLock(async () => [1, 2])).toEqualTypeOf<Promise<number[]>>();

    const sem = new Semaphore(2);
    expectTypeOf(sem.acquire()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(sem.tryAcquire(2)).toEqualTypeOf<boolean>();
    expectTypeOf(sem.available).toEqualTypeOf<number>();

    const wg = new WaitGroup();
    expectTypeOf(wg.wait()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(wg.count).toEqualTypeOf<number>();

    const once = new Once<{ url: string }>();
    expectTypeOf(once.do(async () => ({ url: 'u' }))).toEqualTypeOf<Promise<{ url: string }>>();
    // @ts-expect-error fn must return the Once's type
    void once.do(() => 42);
    expectTypeOf(new Once().do(() => 5)).toEqualTypeOf<Promise<number>>();

    const flights = new SingleFlight<string, number>();
    expectTypeOf(flights.do('k', async () => 1)).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error keys are strings here
    void flights.do(1, async () => 1);
    expectTypeOf(new SingleFlight().do('k', async () => true)).toEqualTypeOf<Promise<boolean>>();
  });
});
