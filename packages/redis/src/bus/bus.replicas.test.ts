import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Replica } from '../testing/replica.js';
import { needsRedis, RedisServer } from '../testing/server.js';
import { Watcher } from './testing/sse.js';

const REPLICA = new URL('./testing/replica.ts', import.meta.url);

describe('redisBus across replica processes, with real SSE clients', { skip: needsRedis }, () => {
  let server: RedisServer;
  let replicas: Replica[];
  let ports: number[];
  const watchers: Watcher[] = [];
  before(async () => {
    server = await RedisServer.start();
    replicas = Array.from({ length: 3 }, () => new Replica(REPLICA, [server.url, 'events']));
    ports = await Promise.all(replicas.map(async (r) => (await r.next('ready')).port as number));
  });
  after(async () => {
    for (const w of watchers) w.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await server.stop();
  });

  /** Two clients on each replica, connected (a connected client is registered with its Broker). */
  async function connectAll(topic: string): Promise<Watcher[]> {
    const ws = ports.flatMap((port) => [new Watcher(() => port, topic), new Watcher(() => port, topic)]);
    watchers.push(...ws);
    await Promise.all(ws.map((w) => w.until(() => w.opens === 1, 'open')));
    return ws;
  }
  const publish = async (r: number, topic: string, prefix: string, count: number, when = 'ready') => {
    replicas[r]!.send({ type: 'publish', topic, prefix, count, when });
    await replicas[r]!.next('published');
  };
  const messages = (w: Watcher) => w.events.filter((e) => e.type === 'message');

  it('brings a publish on any replica to the clients of all three, in one order, under the same id', async () => {
    const ws = await connectAll('news');
    await Promise.all([0, 1, 2].map((r) => publish(r, 'news', `r${r}-`, 10)));
    await Promise.all(ws.map((w) => w.until(() => messages(w).length >= 30, '30 events')));
    const order = ws[0]!.seen;
    for (const w of ws) assert.deepEqual(w.seen, order);
    assert.equal(new Set(order.map((s) => s.split(' ')[0])).size, 30, 'thirty distinct ids');
    for (let r = 0; r < 3; r++) {
      const own = order.map((s) => s.split(' ')[1]!).filter((d) => d.startsWith(`r${r}-`));
      assert.deepEqual(
        own,
        Array.from({ length: 10 }, (_, i) => `r${r}-${i}`),
        'a replica’s own publishes keep their order',
      );
    }
  });

  it('keeps clients connected through a Redis restart and loses or repeats nothing that was XADDed', async () => {
    const ws = await connectAll('restart');
    await publish(0, 'restart', 'a', 10);
    await Promise.all(ws.map((w) => w.until(() => messages(w).length >= 10, 'the events before')));
    await server.stop();
    // Published while Redis is down: refused (reported), never XADDed, so no client may see them.
    await publish(1, 'restart', 'lost', 3, 'offline');
    const reported = await Promise.all(replicas.map((r) => r.next('busError')));
    await server.restart(); // empty: nothing was persisted
    await publish(2, 'restart', 'b', 10); // once replica 2 is connected again
    await Promise.all(ws.map((w) => w.until(() => messages(w).length >= 20, 'the events after')));
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => `a${i}`),
      ...Array.from({ length: 10 }, (_, i) => `b${i}`),
    ];
    for (const w of ws) {
      assert.deepEqual(
        messages(w).map((e) => e.data),
        expected,
      );
      assert.deepEqual(w.seen, ws[0]!.seen, 'the same ids everywhere');
      assert.equal(w.opens, 1, 'the client stayed connected');
    }
    assert.equal(reported.length, 3, 'every replica reported the outage');
  });

  it('brings a SIGSTOPped replica’s clients what was published while it was stopped, once it goes on', async () => {
    const ws = await connectAll('pause');
    await publish(0, 'pause', 'p', 5);
    await Promise.all(ws.map((w) => w.until(() => messages(w).length >= 5, 'the first five')));
    replicas[1]!.kill('SIGSTOP');
    try {
      await publish(0, 'pause', 'q', 5);
      const running = ws.filter((_, k) => k < 2 || k >= 4); // the clients of replicas 0 and 2
      await Promise.all(running.map((w) => w.until(() => messages(w).length >= 10, 'ten events')));
      assert.equal(messages(ws[2]!).length, 5, 'the stopped replica sent nothing meanwhile');
    } finally {
      replicas[1]!.kill('SIGCONT');
    }
    await Promise.all(ws.map((w) => w.until(() => messages(w).length >= 10, 'ten events everywhere')));
    for (const w of ws) {
      assert.deepEqual(w.seen, ws[0]!.seen, 'in order, none twice, the same ids');
      assert.equal(w.opens, 1, 'the client stayed connected');
    }
  });

  it('gives a client of a kill -9’d replica, reconnecting to another with Last-Event-ID, exactly what it missed', async () => {
    const others = await connectAll('crash');
    let reconnect!: () => void;
    const gate = new Promise<void>((resolve) => (reconnect = resolve));
    let first = true;
    // The load balancer: the first connection goes to replica 2, the next (after the crash) to replica 1.
    const victim = new Watcher(async () => {
      if (first) return ((first = false), ports[2]!);
      await gate;
      return ports[1]!;
    }, 'crash');
    watchers.push(victim);
    await victim.until(() => victim.opens === 1, 'open');
    await publish(0, 'crash', 'k', 5);
    await victim.until(() => messages(victim).length >= 5, 'the first five');
    replicas[2]!.kill('SIGKILL');
    await replicas[2]!.exited;
    await victim.until(() => victim.errors >= 1, 'the dropped connection');
    const live = others.slice(0, 4); // those on replicas 0 and 1
    await publish(0, 'crash', 'm', 5); // missed by the victim while it is away
    await Promise.all(live.map((w) => w.until(() => messages(w).length >= 10, 'ten events')));
    reconnect();
    await victim.until(() => victim.opens === 2, 'the reconnection');
    await publish(1, 'crash', 'n', 5);
    await Promise.all(
      [victim, ...live].map((w) => w.until(() => messages(w).length >= 15, 'fifteen events')),
    );
    assert.deepEqual(
      victim.sentIds,
      ['', messages(victim)[4]!.id],
      'it reconnected with the id of the last event it saw',
    );
    assert.deepEqual(victim.seen, live[0]!.seen, 'what it missed, in order, none twice');
    assert.deepEqual(
      messages(victim).map((e) => e.data),
      ['k', 'm', 'n'].flatMap((p) => Array.from({ length: 5 }, (_, i) => `${p}${i}`)),
    );
  });
});
