/**
 * @module Section 6's SSE half: EventSource clients on all three replicas, events published on one, then one
 * replica killed with kill -9 and its clients sent by the balancer to the others with `Last-Event-ID`.
 */
import { EventSource, type EventSourceLike } from '../lib/eventsource.js';
import { measureStrategy } from '../lib/measure.js';
import type { Recorder, Timeline } from '../lib/timeline.js';
import { Balancer } from '../services/balancer.js';
import type { ReplicaProcess } from '../services/replica-process.js';
import type { BroadcastMeasurements, ClientGroup } from './s6-conclusions.js';
import type { RunOptions } from './types.js';

/** One EventSource client and what it received. */
interface Client {
  home: number;
  source: EventSourceLike;
  /** Ids of the `message` events, in arrival order (a duplicate would appear twice). */
  ids: string[];
  resets: number;
  opens: number;
  /** Ends the open connection's bar. */
  endBar?: (outcome: number | string) => void;
}

/** Resolves once `test` holds, checked after every event; after `ms` it resolves anyway (the counts then show it). */
function until(clients: readonly Client[], test: (c: Client) => boolean, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!clients.every(test)) return;
      finish();
    };
    const timer = setTimeout(() => finish(), ms);
    const finish = (): void => {
      clearTimeout(timer);
      for (const c of clients) {
        for (const type of ['open', 'message', 'error'] as const) c.source.removeEventListener(type, check);
      }
      resolve();
    };
    for (const c of clients) {
      for (const type of ['open', 'message', 'error'] as const) c.source.addEventListener(type, check);
    }
    check();
  });
}

function connect(url: string, home: number, balancer: Balancer, rec: Recorder): Client {
  const source = new EventSource(`${url}/events`, { fetch: balancer.fetchFor(home) });
  const client: Client = { home, source, ids: [], resets: 0, opens: 0 };
  source.addEventListener('open', () => {
    client.opens++;
    void rec.track(
      () => new Promise<number | string>((resolve) => (client.endBar = resolve)),
      (outcome) => outcome,
    );
  });
  source.addEventListener('message', (e) => client.ids.push(e.lastEventId ?? ''));
  source.addEventListener('goscale-reset', () => client.resets++);
  source.addEventListener('error', () => {
    client.endBar?.('cut');
    client.endBar = undefined;
  });
  return client;
}

/**
 * Runs the SSE half against replicas that are up and serving `/events`; kills the last one.
 * @param replicas - the replicas, each with the port its `ready` message gave.
 * @param opts - quick, progress, watcher.
 * @param readStream - reads every id in the stream, in order (the truth the clients are checked against).
 * @returns what the clients received, and the timeline (one bar per connection).
 */
export async function measureBroadcast(
  replicas: ReadonlyArray<{ replica: ReplicaProcess; url: string }>,
  opts: RunOptions,
  readStream: () => Promise<string[]>,
): Promise<{ measurements: BroadcastMeasurements; timeline: Timeline }> {
  const perReplica = opts.quick ? 4 : 20;
  const batch = opts.quick ? 10 : 50;
  const waitMs = 10_000;
  const victim = replicas.length - 1;
  const balancer = new Balancer(replicas.map((r) => r.url));
  const publish = async (from: number, count: number): Promise<void> => {
    const done = replicas[from]!.replica.next('published');
    replicas[from]!.replica.send({ type: 'publish', count });
    await done;
  };
  const name = `SSE on ${replicas.length} replicas over redisBus, kill -9 one`;
  const clients: Client[] = [];
  const { timeline, value } = await measureStrategy({ name }, opts, async (rec) => {
    try {
      for (const [i, r] of replicas.entries()) {
        for (let j = 0; j < perReplica; j++) clients.push(connect(r.url, i, balancer, rec));
      }
      await until(clients, (c) => c.opens === 1, waitMs);
      const moved = clients.filter((c) => c.home === victim);
      const stayed = clients.filter((c) => c.home !== victim);

      rec.event(`${batch} on ${replicas[0]!.replica.name}`);
      await publish(0, batch);
      await until(clients, (c) => c.ids.length >= batch, waitMs);
      const firstBatch = clients.map((c) => c.ids.slice());

      rec.event(`kill -9 ${replicas[victim]!.replica.name}`);
      balancer.down(victim);
      replicas[victim]!.replica.kill('SIGKILL');
      await until(moved, (c) => c.endBar === undefined, waitMs);

      rec.event(`${batch} while away`);
      await publish(0, batch);
      await until(stayed, (c) => c.ids.length >= 2 * batch, waitMs);

      rec.event('failover');
      balancer.failover();
      await until(moved, (c) => c.opens === 2, waitMs);
      rec.event(`${batch} on ${replicas[1]!.replica.name}`);
      await publish(1, batch);
      await until(clients, (c) => c.ids.length >= 3 * batch, waitMs);
      return { firstBatch };
    } finally {
      balancer.failover();
      for (const c of clients) {
        c.source.close();
        c.endBar?.(200);
      }
    }
  });

  const truth = await readStream();
  // The first batch, as every client had it before the kill: the same ids as the stream's, in its order.
  const first = truth.slice(0, batch).join();
  const receivedFirstBatch = value.firstBatch.filter((ids) => ids.join() === first).length;
  const tally = (name: string, group: Client[]): ClientGroup => {
    const out = { name, clients: group.length, missed: 0, duplicated: 0, outOfOrder: 0, resets: 0 };
    for (const c of group) {
      const got = new Set(c.ids);
      out.missed += truth.filter((id) => !got.has(id)).length;
      out.duplicated += c.ids.length - got.size;
      // In order: the ids received, duplicates dropped, are the stream's own sequence.
      if ([...got].join() !== truth.filter((id) => got.has(id)).join()) out.outOfOrder++;
      out.resets += c.resets;
    }
    return out;
  };
  const names = replicas.map((r) => r.replica.name);
  const survivors = names.filter((_, i) => i !== victim);
  return {
    timeline,
    measurements: {
      replicas: names,
      clientsPerReplica: perReplica,
      batch,
      publishedOn: [names[0]!, names[0]!, names[1]!],
      streamEntries: truth.length,
      receivedFirstBatch,
      killed: names[victim]!,
      moved: {
        reconnected: clients.filter((c) => c.home === victim && c.opens === 2).length,
        withLastEventId: balancer.lastEventIds.length,
        to: Object.fromEntries(survivors.map((n) => [n, balancer.movedTo[names.indexOf(n)]!])),
      },
      groups: [
        tally(
          `on ${survivors.join(' and ')} throughout`,
          clients.filter((c) => c.home !== victim),
        ),
        tally(
          `on ${names[victim]}, then moved`,
          clients.filter((c) => c.home === victim),
        ),
      ],
    },
  };
}
