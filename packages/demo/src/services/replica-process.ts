/**
 * @module The parent's handle on one replica child process (`replica-main.ts`): start it, talk to it over IPC,
 * kill it for real.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./replica-main.ts', import.meta.url));

/** A message from a replica: `type` and what goes with it. */
export type FromReplica = { type: string } & Record<string, unknown>;

/** One replica: a real `node` process, ended by `stop()` or killed with `kill()`. */
export class ReplicaProcess {
  readonly #child: ChildProcess;
  readonly #listeners = new Set<(m: FromReplica) => void>();
  /** Resolves with the exit code, or the signal's name, once the process is gone. */
  readonly exited: Promise<number | string>;

  private constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    this.#child = fork(ENTRY, [], {
      execArgv: ['--conditions=source', '--import', import.meta.resolve('tsx')],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (m: FromReplica) => {
      for (const listener of this.#listeners) listener(m);
    });
    this.exited = once(this.#child, 'close').then(
      ([code, signal]) => (signal as string | null) ?? (code as number),
    );
  }

  /**
   * Starts a replica and resolves once it says `ready` (connected to Redis, listening when it serves HTTP).
   * @param name - the replica's name.
   * @param env - its environment on top of this process's (`REDIS_URL`, …).
   * @returns the replica and its `ready` message; rejects if it exits first.
   */
  static async start(
    name: string,
    env: Record<string, string>,
  ): Promise<{ replica: ReplicaProcess; ready: FromReplica }> {
    const replica = new ReplicaProcess(name, env);
    try {
      return { replica, ready: await replica.next('ready') };
    } catch (error) {
      await replica.stop();
      throw error;
    }
  }

  /** Calls `listener` with every message until the returned function is called. */
  listen(listener: (m: FromReplica) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The next message of `type`; a `failed` message or an exit rejects instead. */
  next(type: string): Promise<FromReplica> {
    return new Promise((resolve, reject) => {
      const off = this.listen((m) => {
        if (m.type !== type && m.type !== 'failed') return;
        off();
        if (m.type === 'failed') reject(new Error(`replica ${this.name}: ${String(m.error)}`));
        else resolve(m);
      });
      void this.exited.then((how) => {
        off();
        reject(new Error(`replica ${this.name} exited (${how}) while the demo waited for '${type}'`));
      });
    });
  }

  send(m: FromReplica): void {
    this.#child.send(m);
  }

  /** Whether the process still runs. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends `signal` (`SIGKILL` is kill -9: no handler runs, its sockets are reset by the kernel). */
  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Ends the process (SIGTERM, SIGKILL after 2 s) and waits for it. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }
}
