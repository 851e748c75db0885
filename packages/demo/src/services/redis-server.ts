/**
 * @module The Redis that the "Many replicas" section runs against: `REDIS_URL` when set, else a private
 * `redis-server` on a free loopback port (no persistence), else nothing, with one line saying how to get one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createClient } from 'redis';

/** The one line printed when the section cannot run (no `REDIS_URL`, no `redis-server` on the PATH). */
export const REDIS_HINT =
  'needs Redis: install redis-server (apt-get install redis-server) or set REDIS_URL=redis://host:port';

/** A Redis to use; `close` stops the server when the demo started it (a `REDIS_URL` one is left alone). */
export interface DemoRedis {
  readonly url: string;
  /** True when the demo started this server itself. */
  readonly own: boolean;
  close(): Promise<void>;
}

/** The server binary: `REDIS_SERVER` (a path) or `redis-server` on the PATH; read at each call. */
const bin = (): string => process.env.REDIS_SERVER ?? 'redis-server';

/**
 * Says whether the section can run here, without starting anything.
 * @returns undefined when `REDIS_URL` is set or `redis-server` runs; otherwise {@link REDIS_HINT}.
 * @example
 * ```ts
 * const missing = redisMissing();
 * if (missing !== undefined) console.log(missing);
 * ```
 */
export function redisMissing(): string | undefined {
  if (process.env.REDIS_URL) return undefined;
  return spawnSync(bin(), ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : REDIS_HINT;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Resolves once `url` answers PING, or rejects after about 5 s. */
async function untilPing(url: string, exited: () => string | undefined): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const why = exited();
    if (why !== undefined) throw new Error(why);
    const probe = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.destroy();
      return;
    } catch {
      probe.destroy();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`redis at ${url} did not answer PING within 5 s`);
}

/**
 * Gets a Redis: `REDIS_URL` if set, else starts `redis-server` on a free 127.0.0.1 port with `--save ''
 * --appendonly no` (nothing written to disk). Rejects with {@link REDIS_HINT} in the message when neither exists,
 * and when the server does not answer PING within 5 s.
 * @returns the Redis; `close()` stops the server the demo started (SIGTERM, then waits for its exit).
 * @example
 * ```ts
 * const redis = await startRedis();
 * try { … createClient({ url: redis.url }) … } finally { await redis.close(); }
 * ```
 */
export async function startRedis(): Promise<DemoRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    if (!/^rediss?:\/\/[^/\s]+/.test(fromEnv)) {
      throw new TypeError(`demo: expected REDIS_URL to be redis://host:port, got \`${fromEnv}\``);
    }
    // Fail in seconds, not hang: the replicas would wait for an unreachable server for ever.
    await untilPing(fromEnv, () => undefined);
    return { url: fromEnv, own: false, close: async () => {} };
  }
  const missing = redisMissing();
  if (missing !== undefined) throw new Error(missing);
  // A port picked here can be taken by someone else before redis binds it: that shows as an early exit, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      bin(),
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = once(child, 'close');
    const url = `redis://127.0.0.1:${port}`;
    try {
      await untilPing(url, () =>
        child.exitCode === null ? undefined : `redis-server exited (${child.exitCode}): ${log.trim()}`,
      );
    } catch (error) {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      if (attempt < 3) continue;
      throw error;
    }
    return {
      url,
      own: true,
      close: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  }
}
