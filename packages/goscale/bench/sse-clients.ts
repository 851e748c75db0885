/**
 * @module The client side of `sse.bench.ts`: a child process holding its share of the loopback SSE clients.
 *
 * Clients read with plain `http.get` and a byte scan, and report the publish-to-receive latency of every event (the
 * publish timestamp travels in the payload; both processes read the same clock through
 * `performance.timeOrigin + performance.now()`). Each server under test has its own group of connections, open side
 * by side, so that runs against different servers can alternate. The first `stallable` connections of a group form
 * cohorts of `cohort` each: a run can stall one cohort (it stops reading for good), and `drop` closes it afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';

export type ToChild =
  | { cmd: 'connect'; group: number; port: number; count: number; stallable: number; cohort: number }
  /** `stall`: the cohort that stops reading before the run, or -1. */
  | { cmd: 'run'; group: number; events: number; stall: number }
  | { cmd: 'drop'; group: number; cohort: number }
  | { cmd: 'close' };
export type FromChild =
  | { type: 'connected' }
  | { type: 'ready' }
  | { type: 'done'; latencies: number[]; lastReceive: number }
  | { type: 'dropped' }
  | { type: 'closed' };

export const now = (): number => performance.timeOrigin + performance.now();

const TIMEOUT_MS = 60_000;

/** The next message of `type` from `child`; rejects after a minute. */
export function waitFor<T extends FromChild['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sse bench: timed out waiting for ${type}`)), TIMEOUT_MS);
    const onMessage = (m: FromChild): void => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<FromChild, { type: T }>);
    };
    child.on('message', onMessage);
  });
}

/** Sends `msg` to every child; resolves once each has answered with `reply`. */
export function tell(children: ChildProcess[], msg: ToChild, reply: FromChild['type']): Promise<unknown> {
  const replies = children.map((c) => waitFor(c, reply));
  for (const c of children) c.send(msg);
  return Promise.all(replies);
}

interface Conn {
  /** Its stall cohort, or -1. */
  cohort: number;
  res: http.IncomingMessage | undefined;
  req: http.ClientRequest;
  seen: number;
}

function runClient(): void {
  const send = (m: FromChild): void => void process.send!(m);
  const groups = new Map<number, Conn[]>();
  let run = { events: 0, done: 0, healthy: new Set<Conn>(), latencies: [] as number[], lastReceive: 0 };
  const onData = (conn: Conn, chunk: Buffer, carry: { text: string }): void => {
    const at = now();
    // Events end in a blank line; only whole ones are scanned, the tail waits for the next chunk.
    const text = carry.text + chunk.toString('latin1');
    const end = text.lastIndexOf('\n\n');
    if (end === -1) {
      carry.text = text;
      return;
    }
    carry.text = text.slice(end + 2);
    if (!run.healthy.has(conn)) return;
    let found = 0;
    for (let p = text.indexOf('"t":'); p !== -1 && p < end; p = text.indexOf('"t":', p + 4)) {
      run.latencies.push(at - parseFloat(text.slice(p + 4, p + 40)));
      found++;
    }
    if (found === 0) return;
    run.lastReceive = at;
    conn.seen += found;
    if (conn.seen === run.events && ++run.done === run.healthy.size) {
      send({ type: 'done', latencies: run.latencies, lastReceive: run.lastReceive });
    }
  };
  const connect = (msg: Extract<ToChild, { cmd: 'connect' }>): void => {
    const conns: Conn[] = [];
    groups.set(msg.group, conns);
    let connected = 0;
    const open = (i: number): void => {
      const cohort = i < msg.stallable ? Math.floor(i / msg.cohort) : -1;
      const req = http.get({ host: '127.0.0.1', port: msg.port, path: `/?cohort=${cohort}`, agent: false });
      const conn: Conn = { cohort, req, res: undefined, seen: 0 };
      conns.push(conn);
      req.on('error', () => {});
      req.on('response', (res) => {
        conn.res = res;
        const carry = { text: '' };
        res.on('error', () => {});
        res.on('data', (chunk: Buffer) => onData(conn, chunk, carry));
        if (++connected === msg.count) send({ type: 'connected' });
      });
    };
    // Connect in small waves so the listen backlog is never the bottleneck.
    void (async () => {
      for (let i = 0; i < msg.count; i++) {
        open(i);
        if (i % 100 === 99) await tick();
      }
    })();
  };
  process.on('message', (msg: ToChild) => {
    if (msg.cmd === 'connect') connect(msg);
    else if (msg.cmd === 'run') {
      const conns = groups.get(msg.group)!;
      // Stalled clients stop reading for good: their socket buffers fill and the server sees backpressure.
      const stalled = (c: Conn): boolean => msg.stall >= 0 && c.cohort === msg.stall;
      for (const c of conns) if (stalled(c)) c.res?.pause();
      const healthy = new Set(conns.filter((c) => !stalled(c)));
      for (const c of healthy) c.seen = 0;
      run = { events: msg.events, done: 0, healthy, latencies: [], lastReceive: 0 };
      send({ type: 'ready' });
    } else if (msg.cmd === 'drop') {
      const conns = groups.get(msg.group)!;
      for (const c of conns) if (c.cohort === msg.cohort) c.req.destroy();
      groups.set(
        msg.group,
        conns.filter((c) => c.cohort !== msg.cohort),
      );
      send({ type: 'dropped' });
    } else {
      for (const conns of groups.values()) for (const c of conns) c.req.destroy();
      groups.clear();
      send({ type: 'closed' });
    }
  });
}

if (process.argv[2] === 'sse-client') runClient();
