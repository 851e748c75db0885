/**
 * @module The four servers of `sse.bench.ts`: two hand-written floors, goscale's Broker and better-sse's Channel.
 *
 * The floors are the two ways a bare broker can write: every event to every socket as it is published, or each
 * client's pending events joined into one write per tick. Neither checks anything, bounds anything or survives a slow
 * client; they bound what a broker can do on this machine.
 */
import type http from 'node:http';
import { createChannel, createSession, type Channel } from 'better-sse';
import { Broker } from '../src/http/index.js';

export const LIBS = [
  'floor: write per event',
  'floor: coalesce per tick',
  'goscale Broker',
  'better-sse 0.16',
] as const;
export type Lib = (typeof LIBS)[number];

export interface Fanout {
  readonly clients: () => number;
  publish(data: { i: number; t: number }): void;
  close(): void;
}

const SSE_HEAD = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
};
/** The bytes the Broker writes for an event (its default id, a counter, and the data), so all send the same. */
function encoder(): (data: unknown) => Buffer {
  let seq = 0;
  return (data) => Buffer.from(`id: ${++seq}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Floor 1: each event, encoded once, written to every socket at once. */
function perEventFloor(): { fanout: Fanout; handler: http.RequestListener } {
  const open = new Set<http.ServerResponse>();
  const encode = encoder();
  return {
    handler: (_req, res) => {
      res.writeHead(200, SSE_HEAD).flushHeaders();
      open.add(res);
      res.on('close', () => open.delete(res));
    },
    fanout: {
      clients: () => open.size,
      publish: (data) => {
        const chunk = encode(data);
        for (const res of open) res.write(chunk);
      },
      close: () => open.forEach((r) => r.end()),
    },
  };
}

/** Floor 2: each event encoded once, queued per client; one shared nextTick writes each client's queue joined. */
function coalescingFloor(): { fanout: Fanout; handler: http.RequestListener } {
  interface Client {
    res: http.ServerResponse;
    queue: Buffer[];
  }
  const open = new Set<Client>();
  let dirty: Client[] = [];
  const encode = encoder();
  const flush = (): void => {
    const list = dirty;
    dirty = [];
    for (const c of list) {
      const q = c.queue;
      c.queue = [];
      c.res.write(q.length === 1 ? q[0] : Buffer.concat(q));
    }
  };
  return {
    handler: (_req, res) => {
      res.writeHead(200, SSE_HEAD).flushHeaders();
      const client: Client = { res, queue: [] };
      open.add(client);
      res.on('close', () => open.delete(client));
    },
    fanout: {
      clients: () => open.size,
      publish: (data) => {
        const chunk = encode(data);
        for (const c of open) {
          if (c.queue.push(chunk) === 1 && dirty.push(c) === 1) process.nextTick(flush);
        }
      },
      close: () => open.forEach((c) => c.res.end()),
    },
  };
}

export function makeFanout(lib: Lib): { fanout: Fanout; handler: http.RequestListener } {
  if (lib === 'floor: write per event') return perEventFloor();
  if (lib === 'floor: coalesce per tick') return coalescingFloor();
  if (lib === 'goscale Broker') {
    const broker = new Broker();
    return {
      handler: (req, res) => void broker.connect(req, res, { topics: ['bench'] }),
      fanout: {
        clients: () => broker.clients,
        publish: (data) => void broker.publish('bench', { data }),
        close: () => broker.close(),
      },
    };
  }
  const channel: Channel = createChannel();
  const all: http.ServerResponse[] = [];
  return {
    handler: (req, res) => {
      all.push(res);
      void createSession(req, res).then((s) => channel.register(s));
    },
    fanout: {
      clients: () => channel.sessionCount,
      publish: (data) => void channel.broadcast(data, 'message'),
      close: () => all.forEach((r) => r.end()),
    },
  };
}
