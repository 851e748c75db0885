import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { Broker } from './broker.js';

function connectionCount(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

describe('Broker leaks', () => {
  it('leaves no listener, timer or socket behind after 10,000 connect/disconnect cycles', async () => {
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const before = {
      sockets: count('TCPSocketWrap'),
      timers: count('Timeout'),
      servers: count('TCPServerWrap'),
    };
    const broker = new Broker({ heartbeatMs: 60_000 });
    const leaked: string[] = [];
    let closed = 0;
    const server = http.createServer((req, res) => {
      const counts = (e: NodeJS.EventEmitter) =>
        e
          .eventNames()
          .map((n) => `${String(n)}:${e.listenerCount(n)}`)
          .join();
      const { socket } = req;
      const was = [counts(req), counts(res), counts(socket)];
      const client = broker.connect(req, res);
      client.signal.addEventListener('abort', () => {
        // Checked after the close handlers ran: whatever the broker added must be gone by now.
        queueMicrotask(() => {
          const now = [counts(req), counts(res), counts(socket)];
          if (now.join('|') !== was.join('|')) leaked.push(`${was.join('|')} -> ${now.join('|')}`);
          closed++;
        });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const cycles = 10_000;
    let started = 0;
    const worker = async (): Promise<void> => {
      while (started < cycles) {
        started++;
        // A raw socket is the cheapest whole client: request, wait for the response head, hang up.
        const socket = net.connect(port, '127.0.0.1');
        socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
        const [head] = (await once(socket, 'data')) as [Buffer];
        assert.match(head.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
        socket.destroy();
        await once(socket, 'close');
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    while (closed < cycles) await tick();
    assert.deepEqual(leaked.slice(0, 3), []);
    assert.equal(broker.clients, 0);
    assert.equal(await connectionCount(server), 0);
    server.close();
    await once(server, 'close');
    // The listening handle finishes closing in the next turn of the loop.
    await tick();
    assert.deepEqual(
      { sockets: count('TCPSocketWrap'), timers: count('Timeout'), servers: count('TCPServerWrap') },
      before,
    );
  });
});
