import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once, type EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { get, rawClient, tryConnect, until, WORK_BODY, type RawClient } from './testing/helpers.js';

/** The part of autocannon's programmatic API this test uses (the package ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  expectBody: string;
}) => EventEmitter & { stop(): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Report {
  type: 'report';
  accepted: number;
  finished: number;
  workDone: number;
  aborted: string[];
}

/** Starts the fixture server in a child process and collects its IPC messages. */
async function startFixture(env: Record<string, string> = {}) {
  const child: ChildProcess = fork(fileURLToPath(new URL('./testing/server.ts', import.meta.url)), {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    execArgv: ['--conditions=source', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: { type: string; port?: number }[] = [];
  child.on('message', (m) => messages.push(m as { type: string }));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await until(() => messages.some((m) => m.type === 'listening') || child.exitCode !== null);
  const port = messages.find((m) => m.type === 'listening')?.port;
  assert.ok(port !== undefined, 'the fixture started listening');
  return {
    child,
    port,
    exited,
    saw: (type: string) => messages.some((m) => m.type === type),
    report: () => messages.find((m): m is Report => m.type === 'report'),
  };
}

async function openStream(port: number, path: string): Promise<RawClient> {
  const client = await rawClient(port);
  client.socket.write(get(path));
  await client.waitFor('data: hello');
  return client;
}

describe('gracefulShutdown in a child process', { timeout: 60_000 }, () => {
  it('drains under autocannon load on SIGTERM: full responses, refused connections, final stream events, exit 0', async () => {
    const fixture = await startFixture();
    const { port } = fixture;
    const streams = await Promise.all([1, 2, 3].map(() => openStream(port, '/stream')));

    // Five users give up mid-request: their backend work must stop.
    for (let i = 0; i < 5; i++) {
      const client = await rawClient(port);
      client.socket.write(get('/slow'));
      await client.waitFor('HTTP/1.1 200');
      client.socket.destroy();
    }

    let ok = 0;
    let mismatches = 0;
    const load = autocannon({
      url: `http://127.0.0.1:${port}/work?ms=2`,
      connections: 16,
      duration: 60,
      expectBody: WORK_BODY,
    });
    load.on('response', (_client: unknown, status: number) => (ok += status === 200 ? 1 : 0));
    load.on('mismatch', () => mismatches++);
    await until(() => ok >= 300);

    // A request the parent holds open keeps the drain going while the test checks the listener is closed.
    const gated = await rawClient(port);
    gated.socket.write(get('/gated'));
    await until(() => fixture.saw('gated'));
    fixture.child.kill('SIGTERM');
    await until(() => fixture.saw('draining'));
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    fixture.child.send('release');

    const [code] = await fixture.exited;
    load.stop();
    await Promise.all([...streams, gated].map((c) => c.closed));
    const report = fixture.report();
    assert.ok(report, 'the onShutdown hook reported');
    assert.equal(code, 0);
    assert.deepEqual(report.aborted, ['AbortError', 'AbortError', 'AbortError', 'AbortError', 'AbortError']);
    assert.equal(
      report.accepted - report.finished,
      5,
      'every accepted request but the abandoned ones finished',
    );
    assert.equal(ok, report.workDone, 'every /work response the server finished reached autocannon whole');
    assert.equal(mismatches, 0);
    assert.match(gated.text(), /Connection: close\r\n[\s\S]*END$/);
    for (const s of streams) assert.match(s.text(), /event: bye\ndata: shutdown\n\n/);
  });

  it('answers every request it accepted under steady pipelined keep-alive load on SIGTERM', async () => {
    const fixture = await startFixture();
    const { port } = fixture;
    // 8 connections, each keeping 4 requests in flight (a new one written per response), mixing a synchronous
    // handler with timer-driven work, so that responses end while queued behind earlier ones.
    const paths = ['/fast', '/work?ms=1', '/fast', '/work?ms=0'];
    let answered = 0;
    let sent = 0;
    const conns = await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const c = await rawClient(port);
        let seen = 0;
        let mine = k;
        const next = (): string => {
          sent++;
          return get(paths[mine++ % paths.length]!);
        };
        c.socket.on('data', () => {
          const now = c.text().split('HTTP/1.1 200 OK').length - 1;
          // One write per batch of answers, as a pipelining client does: they arrive as one chunk.
          let batch = '';
          for (; seen < now; seen++) {
            answered++;
            batch += next();
          }
          if (batch !== '' && c.socket.writable) c.socket.write(batch);
        });
        let first = '';
        for (let i = 0; i < 4; i++) first += next();
        c.socket.write(first);
        return c;
      }),
    );
    await until(() => answered >= 3_000);
    fixture.child.kill('SIGTERM');
    const [code] = await fixture.exited;
    await Promise.all(conns.map((c) => c.closed));
    const report = fixture.report();
    assert.ok(report, 'the onShutdown hook reported');
    assert.equal(code, 0);
    assert.equal(
      report.accepted,
      answered,
      `accepted ${report.accepted}, answered ${answered} (sent ${sent})`,
    );
    assert.equal(report.finished, report.accepted);
    for (const c of conns) assert.match(c.text(), /END$/, 'no connection ends mid-response');
  });

  it('exits 1 at the deadline, destroying a stream that ignores the signal and aborting the work in flight', async () => {
    const fixture = await startFixture({ SHUTDOWN_TIMEOUT_MS: '300' });
    const stubborn = await openStream(fixture.port, '/stubborn');
    const slow = await rawClient(fixture.port);
    slow.socket.write(get('/slow'));
    await slow.waitFor('HTTP/1.1 200');
    fixture.child.kill('SIGTERM');
    const [code] = await fixture.exited;
    await Promise.all([stubborn.closed, slow.closed]);
    assert.equal(code, 1);
    assert.deepEqual(fixture.report()?.aborted, ['TimeoutError']);
    assert.doesNotMatch(stubborn.text(), /0\r\n\r\n$/, 'the stream was cut, not ended');
  });

  it('exits 1 at once on a second SIGTERM, without waiting for the deadline or running hooks', async () => {
    const fixture = await startFixture({ SHUTDOWN_TIMEOUT_MS: '600000' });
    const stubborn = await openStream(fixture.port, '/stubborn');
    fixture.child.kill('SIGTERM');
    await until(() => fixture.saw('draining'));
    fixture.child.kill('SIGTERM');
    const [code] = await fixture.exited;
    await stubborn.closed;
    assert.equal(code, 1);
    assert.equal(fixture.report(), undefined);
  });
});
