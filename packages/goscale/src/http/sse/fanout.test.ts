import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Broker, type SseClient } from './broker.js';
import { parseEventStream } from './spec-parser.test.js';
import { FakeResponse } from './testing/fake-response.js';

const request = {
  headers: {},
  url: '/',
  httpVersionMajor: 1,
  socket: { destroyed: false },
} as unknown as IncomingMessage;

function isSubsequence(sub: string[], of: string[]): boolean {
  let i = 0;
  for (const x of of) if (i < sub.length && sub[i] === x) i++;
  return i === sub.length;
}

describe('Broker fan-out under any interleaving', () => {
  it('keeps every client in publish order, bounded, and counts exactly; no client holds up another', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        async (s, bufferSize, drop) => {
          const broker = new Broker({
            bufferSize,
            slowClient: drop ? 'drop' : 'disconnect',
            heartbeatMs: Infinity,
          });
          const clients: { res: FakeResponse; client: SseClient }[] = [0, 1, 2].map(() => {
            const res = new FakeResponse();
            return {
              res,
              client: broker.connect(request, res as unknown as ServerResponse, { topics: ['t'] }),
            };
          });
          const published: string[] = [];
          const producer = async (name: string): Promise<void> => {
            for (let i = 0; i < 5; i++) {
              await s.schedule(Promise.resolve(), `publish ${name}${i}`);
              published.push(`${name}${i}`);
              const n = broker.publish('t', { data: `${name}${i}` });
              // Counted: exactly the clients still there after the publish (an overflowing one left during it).
              assert.equal(n, clients.filter((c) => !c.client.closed).length);
              for (const c of clients) assert.ok(c.client.queued <= bufferSize);
            }
          };
          const network = async (k: number): Promise<void> => {
            const { res } = clients[k]!;
            for (let j = 0; j < 4; j++) {
              await s.schedule(Promise.resolve(), `client ${k} turn ${j}`);
              // Alternately fill up and drain, as a reader that is sometimes slow would.
              if (res.full) {
                res.full = false;
                res.emit('drain');
              } else res.full = true;
            }
          };
          const tasks = Promise.all([producer('a'), producer('b'), network(0), network(1), network(2)]);
          await s.waitAll();
          await tasks;
          for (const { res } of clients) {
            res.full = false;
            res.emit('drain');
          }
          // The broker flushes what was published in a tick at the end of that tick.
          await new Promise((resolve) => setImmediate(resolve));
          for (const { res, client } of clients) {
            const got = parseEventStream(res.text).events.map((e) => e.data);
            assert.equal(client.queued, 0);
            if (!client.closed) {
              // Still connected: everything, in order, or (drop) everything minus what it dropped.
              assert.ok(isSubsequence(got, published), `${got.join()} in ${published.join()}`);
              assert.equal(got.length + client.dropped, published.length);
              if (!drop) assert.deepEqual(got, published);
            } else {
              // Disconnected for overflowing: what it got is a prefix, never a reordering.
              assert.deepEqual(got, published.slice(0, got.length));
              assert.equal(res.destroyed, true);
            }
          }
          broker.close();
        },
      ),
      { numRuns: 1_500 },
    );
  });
});
