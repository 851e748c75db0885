import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker, BusGapError, type BusEntry } from 'goscale/http';
import { createClient } from 'redis';
import { redisBus, RedisBusGapError, RedisOfflineError, type RedisBus } from '../index.js';
import type { RedisClient } from '../internal/client.js';
import { needsRedis, useRedisServer } from '../testing/server.js';
import { serve, Watcher } from './testing/sse.js';

const msg = (i: number) => ({ topic: 't', data: `m${i}` });

/** Resolves once `cond()` holds; a bound turns a hang into a failure. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Subscribes to `bus`, collecting what it delivers and what it reports. */
async function subscribed(bus: RedisBus) {
  const got: BusEntry[] = [];
  const errors: unknown[] = [];
  const subscription = await bus.subscribe(
    (e) => got.push(e),
    (e) => errors.push(e),
  );
  return { got, errors, subscription };
}

describe('redisBus', { skip: needsRedis }, () => {
  const redis = useRedisServer();

  /** The connections of `user` (by CLIENT LIST), and whether one of them is blocked in XREAD. */
  const connections = async (user: string) => {
    const list = (await redis.client.sendCommand<string>(['CLIENT', 'LIST'])).split('\n');
    const mine = list.filter((l) => l.includes(` user=${user} `));
    return { count: mine.length, reading: mine.some((l) => l.includes('cmd=xread')) };
  };

  /** A client of its own ACL user, so a test can cut this "replica" off Redis while the others carry on. */
  async function replicaClient(
    user: string,
  ): Promise<{ client: RedisClient; cut(): Promise<void>; heal(): Promise<void> }> {
    await redis.client.sendCommand(['ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all']);
    const client = createClient({
      url: `redis://${user}:pw@127.0.0.1:${redis.server.port}`,
      socket: { reconnectStrategy: () => 20 },
    });
    client.on('error', () => {});
    await client.connect();
    return {
      client,
      async cut() {
        await redis.client.sendCommand(['ACL', 'SETUSER', user, 'off']);
        await redis.client.sendCommand(['CLIENT', 'KILL', 'USER', user]);
      },
      heal: async () => void (await redis.client.sendCommand(['ACL', 'SETUSER', user, 'on'])),
    };
  }

  it('rejects bad options naming the value', () => {
    assert.throws(
      () => redisBus(redis.client, { stream: 'a{b}' }),
      /redisBus: expected `key` .* got `"a\{b\}"`/,
    );
    assert.throws(
      () => redisBus(redis.client, { stream: 'ok', maxLen: 0 }),
      /RangeError: redisBus: expected `maxLen` .* got `0`/,
    );
    assert.throws(
      () => redisBus(redis.client, { stream: 'ok', maxLen: 2 ** 60 }),
      /got `1152921504606847000`/,
    );
    assert.throws(
      () => redisBus({} as RedisClient, { stream: 'ok' }),
      /redisBus: expected a node-redis client/,
    );
  });

  it('orders ids as numbers, not as strings', () => {
    const bus = redisBus(redis.client, { stream: 'ids' });
    assert.ok(bus.compareIds('9-0', '10-0') < 0);
    assert.ok(bus.compareIds('5-10', '5-9') > 0);
    assert.ok(bus.compareIds('18446744073709551615-0', '9446744073709551615-7') > 0);
    assert.equal(bus.compareIds('0-0', '0-0'), 0);
  });

  it('resumes after its last id when it lost Redis: what was appended meanwhile arrives in order, once', async () => {
    const replica = await replicaClient('cutoff');
    const bus = redisBus(replica.client, { stream: 'cut' });
    const other = redisBus(redis.client, { stream: 'cut' });
    const { got, errors } = await subscribed(bus);
    const ids = [await other.append(msg(0))];
    await until(() => got.length === 1, 'the first entry');
    await until(async () => (await connections('cutoff')).reading, 'the reader blocked in XREAD');
    await replica.cut();
    for (let i = 1; i <= 20; i++) ids.push(await other.append(msg(i)));
    assert.equal((await connections('cutoff')).count, 0, 'appended while the replica was cut off');
    assert.equal(got.length, 1);
    await replica.heal();
    await until(() => got.length >= 21, 'what was appended meanwhile');
    ids.push(await other.append(msg(21)));
    await until(() => got.length >= 22, 'a live entry');
    assert.deepEqual(
      got.map((e) => e.id),
      ids,
      'in order, each once',
    );
    assert.ok(errors.length >= 1, 'the lost connection was reported');
    await bus.close();
    replica.client.destroy();
    await redis.client.del(bus.key);
  });

  it('reports a gap when entries were trimmed before a cut-off replica could read them', async () => {
    const replica = await replicaClient('gap');
    const bus = redisBus(replica.client, { stream: 'gap', maxLen: 100 });
    const other = redisBus(redis.client, { stream: 'gap', maxLen: 100 });
    const { got, errors } = await subscribed(bus);
    await until(async () => (await connections('gap')).reading, 'the reader blocked in XREAD');
    await other.append(msg(0));
    await until(() => got.length === 1, 'the first entry');
    await replica.cut();
    let last = '';
    for (let i = 1; i <= 500; i++) last = await other.append(msg(i));
    await replica.heal();
    await until(() => got.at(-1)?.id === last, 'the newest entry');
    assert.ok(
      errors.some((e) => e instanceof RedisBusGapError),
      `errors: ${errors.map(String).join('; ')}`,
    );
    assert.ok(got.length < 501, 'the trimmed entries are gone');
    for (let i = 1; i < got.length; i++) assert.ok(bus.compareIds(got[i - 1]!.id, got[i]!.id) < 0);
    await bus.close();
    replica.client.destroy();
    await redis.client.del(bus.key);
  });

  it('survives a Redis restart: what was appended before its reader is back arrives, none twice', async () => {
    const replica = await replicaClient('restarted');
    const bus = redisBus(replica.client, { stream: 'restart' });
    const other = redisBus(redis.client, { stream: 'restart' });
    const { got, errors } = await subscribed(bus);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await bus.append(msg(i)));
    await until(() => got.length === 5, 'the entries before the restart');
    await redis.server.stop();
    await until(() => !replica.client.isReady, 'the client to notice');
    await assert.rejects(bus.append(msg(-1)), RedisOfflineError);
    await redis.server.restart(); // empty: no persistence, and no ACL user, so this replica stays out for now
    await until(() => redis.client.isReady, 'the other client to reconnect');
    for (let i = 5; i < 10; i++) ids.push(await other.append(msg(i)));
    assert.equal(got.length, 5);
    await redis.client.sendCommand(['ACL', 'SETUSER', 'restarted', 'on', '>pw', '~*', '&*', '+@all']);
    await until(() => got.length >= 10, 'the entries appended while it was away');
    ids.push(await bus.append(msg(10)));
    await until(() => got.length >= 11, 'a live entry');
    assert.deepEqual(
      got.map((e) => e.id),
      ids,
      'in order, each once',
    );
    assert.deepEqual(
      got.map((e) => e.data),
      Array.from({ length: 11 }, (_, i) => `m${i}`),
    );
    assert.ok(errors.length >= 1, 'the restart was reported');
    assert.equal(await bus.readAfter(ids[4]!), undefined, 'the old stream is gone');
    assert.deepEqual(
      (await bus.readAfter(ids[5]!))?.map((e) => e.id),
      ids.slice(6),
    );
    await bus.close();
    replica.client.destroy();
    await redis.client.del(bus.key);
  });

  it('sends goscale-reset through a Broker to its connected clients when its replica missed trimmed entries', async () => {
    const replica = await replicaClient('gapreset');
    const bus = redisBus(replica.client, { stream: 'gapreset', maxLen: 100 });
    const other = redisBus(redis.client, { stream: 'gapreset', maxLen: 100 });
    const errors: unknown[] = [];
    const broker = new Broker({ bus, heartbeatMs: Infinity, onBusError: (e) => errors.push(e) });
    await broker.ready;
    const http = await serve(broker);
    const client = new Watcher(() => http.port, 't');
    await client.until(() => client.opens === 1, 'the connection');
    await until(async () => (await connections('gapreset')).reading, 'the reader blocked in XREAD');
    const first = await other.append(msg(0));
    await client.until(() => client.events.length === 1, 'the first event');
    await replica.cut();
    let last = '';
    for (let i = 1; i <= 500; i++) last = await other.append(msg(i));
    await replica.heal();
    await client.until(() => client.events.at(-1)?.id === last, 'the newest event');
    const resets = client.events.filter((e) => e.type === 'goscale-reset');
    assert.deepEqual(resets, [
      { type: 'goscale-reset', id: first, data: JSON.stringify({ lastEventId: first }) },
    ]);
    const at = client.events.findIndex((e) => e.type === 'goscale-reset');
    assert.equal(at, 1, 'right after the last event before the gap');
    const after = client.events.slice(at + 1);
    assert.ok(after.length > 0 && after.length < 500, `${after.length} events after the gap`);
    for (let i = 1; i < after.length; i++) assert.ok(bus.compareIds(after[i - 1]!.id, after[i]!.id) < 0);
    assert.ok(errors.some((e) => e instanceof RedisBusGapError && e instanceof BusGapError));
    assert.equal(client.opens, 1, 'the client stayed connected');
    client.close();
    broker.close();
    await http.close();
    await bus.close();
    replica.client.destroy();
    await redis.client.del(bus.key);
  });

  it('sends goscale-reset through a Broker to a client whose Last-Event-ID was trimmed', async () => {
    const bus = redisBus(redis.client, { stream: 'trim', maxLen: 100 });
    const broker = new Broker({ bus, heartbeatMs: Infinity, onBusError: () => {} });
    await broker.ready;
    const http = await serve(broker);
    const first = await bus.append(msg(0));
    let newest = first;
    for (let i = 1; i < 500; i++) newest = await bus.append(msg(i));
    const client = new Watcher(() => http.port, 't', first);
    await client.until(() => client.events.length === 1, 'the reset');
    assert.deepEqual(client.events[0], {
      type: 'goscale-reset',
      id: newest,
      data: JSON.stringify({ lastEventId: first }),
    });
    client.close();
    broker.close();
    await http.close();
    await bus.close();
    await redis.client.del(bus.key);
  });

  it('says plainly when the key holds something that is not a stream', async () => {
    await redis.client.set('goscale:bus:{taken}', 'someone else');
    const bus = redisBus(redis.client, { stream: 'taken' });
    const wrongType =
      /TypeError: redisBus: .*goscale:bus:\{taken\}.* not a stream|redisBus: one of the keys goscale:bus:\{taken\} holds a value of another type/;
    await assert.rejects(bus.append(msg(0)), wrongType);
    await assert.rejects(bus.readAfter('1-0'), wrongType);
    await assert.rejects(
      bus.subscribe(() => {}),
      wrongType,
    );
    await bus.close();
    await redis.client.del('goscale:bus:{taken}');
  });

  it('closes its reader connection on close() and leaves no key but the stream', async () => {
    await redis.client.flushAll();
    const replica = await replicaClient('leak');
    const before = (await connections('leak')).count;
    const bus = redisBus(replica.client, { stream: 'leak' });
    const { got, subscription: sub } = await subscribed(bus);
    const id = await bus.append(msg(0));
    await until(() => got.length === 1, 'delivery');
    assert.deepEqual(await bus.readAfter('0-0'), got);
    assert.equal((await connections('leak')).count, before + 1, 'one reader connection');
    sub.unsubscribe();
    await bus.close();
    await until(async () => (await connections('leak')).count === before, 'the reader connection to close');
    assert.deepEqual(await redis.client.keys('*'), [bus.key]);
    await assert.rejects(bus.append(msg(1)), /redisBus: closed/);
    assert.equal(await bus.readAfter(id).catch(String), 'Error: redisBus: closed');
    replica.client.destroy();
  });
});
