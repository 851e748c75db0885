/**
 * @module Test helper: a replica is a real child process (node + tsx) that talks to the test over IPC.
 * @internal
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A message between the test and a replica: `type` plus whatever the scenario sends. */
export type Message = { type: string } & Record<string, unknown>;

/** A child process running `file` with `args`; `next(type)` awaits its next message of that type. */
export class Replica {
  readonly child: ChildProcess;
  readonly #inbox: Message[] = [];
  readonly #waiting: { type: string; resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  readonly exited: Promise<unknown>;

  constructor(file: string | URL, args: string[] = []) {
    this.child = fork(file, args, {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: Message) => this.#deliver(m));
    this.exited = once(this.child, 'exit');
    void this.exited.then(() => {
      for (const w of this.#waiting.splice(0))
        w.reject(new Error(`replica exited while the test waited for '${w.type}'`));
    });
  }

  #deliver(m: Message): void {
    const i = this.#waiting.findIndex((w) => w.type === m.type);
    if (i === -1) this.#inbox.push(m);
    else this.#waiting.splice(i, 1)[0]!.resolve(m);
  }

  /** Resolves with the next message of `type` (already received or still to come). */
  next(type: string): Promise<Message> {
    const i = this.#inbox.findIndex((m) => m.type === type);
    if (i !== -1) return Promise.resolve(this.#inbox.splice(i, 1)[0]!);
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.reject(new Error(`replica has exited; no '${type}' will come`));
    }
    return new Promise((resolve, reject) => this.#waiting.push({ type, resolve, reject }));
  }

  send(m: Message): void {
    this.child.send(m);
  }

  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT...). */
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if it still runs and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** In a replica: sends a message to the test. */
export function tell(m: Message): void {
  process.send!(m);
}

/** In a replica: resolves with the next message of `type` from the test. */
export function hear(type: string): Promise<Message> {
  return new Promise((resolve) => {
    const on = (m: Message): void => {
      if (m.type !== type) return;
      process.off('message', on);
      resolve(m);
    };
    process.on('message', on);
  });
}
