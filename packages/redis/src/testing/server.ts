/**
 * @module Test helpers: a private redis-server per test file (free loopback port, no persistence) that can be
 * stopped, killed and restarted on the same port, and a one-line skip when redis-server is not installed.
 * @internal
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before } from 'node:test';
import { createClient } from 'redis';
import type { RedisClient } from '../internal/client.js';

const BIN = process.env.REDIS_SERVER ?? 'redis-server';

function installed(): boolean {
  return spawnSync(BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The `skip` option for a describe block that needs redis-server: undefined when it is installed, else one line that
 * says how to install it. Under CI (`CI=true`) a missing server throws instead, so CI never passes by skipping.
 */
export const needsRedis: string | undefined = (() => {
  if (installed()) return undefined;
  const line = `redis-server not found: install it (apt-get install redis-server) to run the @goscale/redis tests`;
  if (process.env.CI === 'true') throw new Error(`${line} (CI=true: failing instead of skipping)`);
  return line;
})();

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server child process on 127.0.0.1:`port`. */
export class RedisServer {
  #child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port, with no RDB snapshots and no AOF: a restart starts empty. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.#spawn();
    return server;
  }

  async #spawn(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn(BIN, [...args, '--daemonize', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    // Ready when it answers PING; a port another process grabbed meanwhile shows up as an early exit.
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited (${child.exitCode}) on port ${this.port}: ${log}`);
      const probe = createClient({ url: this.url, socket: { reconnectStrategy: false } });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.destroy();
        return;
      } catch {
        probe.destroy();
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(`redis-server did not answer on port ${this.port}: ${log}`);
  }

  /** Stops the server: SIGKILL (a crash, the default) or SIGTERM; resolves when it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Starts the server again on the same port (empty: nothing was persisted). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** A connected client for the test; node-redis reconnects it by itself after a restart. */
  async client(): Promise<RedisClient> {
    const client = createClient({
      url: this.url,
      socket: { reconnectStrategy: (n) => Math.min(20 * n, 200) },
    });
    client.on('error', () => {}); // reconnects are expected in these tests
    await client.connect();
    return client;
  }
}

/**
 * In a describe block: a private server and a connected client for its tests, started before them and stopped
 * after. Read `server` and `client` inside the tests (they are set once the hook has run).
 */
export function useRedisServer(): { readonly server: RedisServer; readonly client: RedisClient } {
  const state = {} as { server: RedisServer; client: RedisClient };
  before(async () => {
    state.server = await RedisServer.start();
    state.client = await state.server.client();
  });
  after(async () => {
    state.client.destroy();
    await state.server.stop();
  });
  return state;
}
