/**
 * @module `goscale/http/testing`: the conformance suite every {@link BrokerBus} implementation runs (under
 * `node:test`), so that a transport (Redis Streams, …) is held to the same contract as the reference `MemoryBus`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrokerBus, BusEntry } from './bus.js';
import { brokerTests } from './bus-conformance-broker.js';

/** How the suite gets buses to test. */
export interface BusFixture {
  /**
   * Returns `replicas` buses (one per simulated replica: separate connections in real transports) that share one log
   * of their own, empty and used by no other test. Called once per test.
   */
  open(replicas: number): Promise<BrokerBus[]>;
  /** Releases what the last `open` made (connections, keys). Called after each test, even a failed one. */
  close(): Promise<void>;
  /**
   * The retention the buses were made with (entries), so the suite can check that a trimmed id gives `undefined`;
   * the suite appends `3 × trimAfter + 200` entries, as Redis `MAXLEN ~` trims in whole nodes of about 100.
   */
  trimAfter: number;
}

const until = async (cond: () => boolean, what: string, ms = 10_000): Promise<void> => {
  // Progress is event-driven (the bus's own delivery); the bound only turns a hang into a readable failure.
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`bus conformance: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

/** Collects what a subscription delivers. */
async function collect(bus: BrokerBus): Promise<{ got: BusEntry[]; after: string; stop: () => void }> {
  const got: BusEntry[] = [];
  const sub = await bus.subscribe((e) => got.push(e));
  return { got, after: sub.after, stop: () => sub.unsubscribe() };
}

const msg = (i: number, topic = 't') => ({ topic, data: `m${i}`, event: i % 2 === 0 ? 'even' : undefined });

/**
 * Registers the suite: `testBrokerBus('redisBus', fixture)` inside a test file.
 * @example
 * ```ts
 * import { testBrokerBus } from 'goscale/http/testing';
 * testBrokerBus('MemoryBus', {
 *   trimAfter: 50,
 *   async open(n) { const bus = new MemoryBus({ maxLen: 50 }); return Array.from({ length: n }, () => bus); },
 *   async close() {},
 * });
 * ```
 */
export function testBrokerBus(name: string, fixture: BusFixture): void {
  const withBuses = (replicas: number, fn: (buses: BrokerBus[]) => Promise<void>) => async () => {
    try {
      await fn(await fixture.open(replicas));
    } finally {
      await fixture.close();
    }
  };

  describe(`BrokerBus conformance: ${name}`, () => {
    it(
      'gives appended entries increasing ids and replays them from the start position',
      withBuses(1, async ([bus]) => {
        const sub = await collect(bus!);
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push(await bus!.append(msg(i)));
        for (let i = 1; i < ids.length; i++) {
          assert.ok(bus!.compareIds(ids[i - 1]!, ids[i]!) < 0, `ids ${ids[i - 1]} then ${ids[i]}`);
          assert.equal(bus!.compareIds(ids[i]!, ids[i]!), 0);
        }
        assert.ok(
          bus!.compareIds(sub.after, ids[0]!) < 0,
          'the start position orders before the first entry',
        );
        const replay = await bus!.readAfter(sub.after);
        assert.deepEqual(
          replay?.map((e) => [e.id, e.topic, e.event, e.data]),
          ids.map((id, i) => [id, 't', msg(i).event, `m${i}`]),
        );
        await until(() => sub.got.length === 20, 'live delivery');
        assert.deepEqual(
          sub.got.map((e) => e.id),
          ids,
        );
        sub.stop();
      }),
    );

    it(
      'delivers concurrent appends from every replica to every replica in one order, each once',
      withBuses(3, async (buses) => {
        const subs = await Promise.all(buses.map(collect));
        const appended = await Promise.all(
          buses.flatMap((bus, r) => Array.from({ length: 30 }, (_, i) => bus.append(msg(i, `r${r}`)))),
        );
        await until(
          () => subs.every((s) => s.got.length >= appended.length),
          'every replica to see 90 entries',
        );
        const first = subs[0]!.got.map((e) => `${e.id} ${e.topic} ${e.data}`);
        for (const s of subs) {
          assert.deepEqual(
            s.got.map((e) => `${e.id} ${e.topic} ${e.data}`),
            first,
          );
        }
        assert.deepEqual(new Set(subs[0]!.got.map((e) => e.id)), new Set(appended));
        const ids = subs[0]!.got.map((e) => e.id);
        for (let i = 1; i < ids.length; i++) assert.ok(buses[0]!.compareIds(ids[i - 1]!, ids[i]!) < 0);
        // Each replica's own appends keep their order.
        for (let r = 0; r < 3; r++) {
          assert.deepEqual(
            subs[0]!.got.filter((e) => e.topic === `r${r}`).map((e) => e.data),
            Array.from({ length: 30 }, (_, i) => `m${i}`),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(subs[1]!.got.length, 90, 'no entry delivered twice');
        for (const s of subs) s.stop();
      }),
    );

    it(
      'delivers only entries after the subscription position, never synchronously, and stops on unsubscribe',
      withBuses(2, async ([a, b]) => {
        const before = await a!.append(msg(1));
        const sub = await collect(b!);
        assert.ok(
          b!.compareIds(sub.after, before) >= 0,
          'the position is at or after what was appended before',
        );
        const appending = a!.append(msg(2));
        assert.equal(sub.got.length, 0, 'not delivered inside append');
        const id = await appending;
        await until(() => sub.got.length === 1, 'the later entry');
        assert.equal(sub.got[0]!.id, id);
        sub.stop();
        await a!.append(msg(3));
        const seen = await collect(a!);
        await a!.append(msg(4));
        await until(() => seen.got.length === 1, 'a fresh subscription to see the next entry');
        assert.equal(sub.got.length, 1, 'nothing after unsubscribe');
        seen.stop();
      }),
    );

    it(
      'reads exactly what followed an id, and undefined for an id it cannot place',
      withBuses(2, async ([a, b]) => {
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) ids.push(await a!.append(msg(i, i % 2 === 0 ? 'x' : 'y')));
        const after = await b!.readAfter(ids[3]!);
        assert.deepEqual(
          after?.map((e) => e.id),
          ids.slice(4),
        );
        assert.deepEqual(
          after?.map((e) => [e.topic, e.data]),
          ids.slice(4).map((_, k) => [(k + 4) % 2 === 0 ? 'x' : 'y', `m${k + 4}`]),
        );
        assert.deepEqual(await b!.readAfter(ids[9]!), []);
        for (const bad of ['', 'not-an-id', '\u00e9t\u00e9', '99999999999999999999-0']) {
          assert.equal(await b!.readAfter(bad), undefined, `readAfter(${JSON.stringify(bad)})`);
        }
      }),
    );

    it(
      'answers undefined for an id that was trimmed away',
      withBuses(1, async ([bus]) => {
        const start = (await collect(bus!)).after;
        const first = await bus!.append(msg(0));
        for (let i = 1; i < 3 * fixture.trimAfter + 200; i++) await bus!.append(msg(i));
        assert.equal(await bus!.readAfter(first), undefined);
        assert.equal(await bus!.readAfter(start), undefined);
        const kept = await bus!.readAfter(await bus!.append(msg(-1)));
        assert.deepEqual(kept, []);
      }),
    );

    it(
      'rejects with the reason of an aborted signal',
      withBuses(1, async ([bus]) => {
        const reason = new Error('stop');
        const signal = AbortSignal.abort(reason);
        await assert.rejects(bus!.append(msg(1), { signal }), (e) => e === reason);
        await assert.rejects(bus!.readAfter('0', { signal }), (e) => e === reason);
      }),
    );

    brokerTests(withBuses);
  });
}
