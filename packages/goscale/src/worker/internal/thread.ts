/**
 * @module One pool thread as the pool sees it: the tasks sent to it in order, how many more it may take, taking back
 * those it has not started, and how it ends (aborted task that would not stop, crash, idle, close).
 * @internal
 */
import {
  MessageChannel,
  type MessagePort,
  type ResourceLimits,
  type TransferListItem,
  type Worker,
} from 'node:worker_threads';
import { reasonOf } from '../../internal/abort.js';
import { type LongTimer, setLongTimeout } from '../../internal/timer.js';
import { Code, SLOTS, Slot, type ThreadMessage } from './protocol.js';
import { spawn } from './spawn.js';
import { Inflight } from './inflight.js';
import { Pace } from './pace.js';
import { settle, settleReported, type Entry } from './task.js';

/** What a thread tells its pool. */
export interface ThreadHost {
  readonly graceMs: number;
  readonly idleMs: number;
  /** Results came back: the thread has room again. */
  drained(thread: Thread): void;
  /** The thread takes no more tasks (an abort that would not stop, idle): start or pick another. */
  leaving(thread: Thread, replace: boolean): void;
  /**
   * The thread is gone. `untaken` never started and may run elsewhere; `crashed` unless the pool ended it;
   * `failure` is the error of a thread that died before it loaded the task module (a setup that cannot work).
   */
  exited(thread: Thread, untaken: Entry[], crashed: boolean, failure: unknown): void;
}

export class Thread {
  readonly #host: ThreadHost;
  readonly #worker: Worker;
  readonly #shared: Int32Array;
  readonly #control: MessagePort;
  /** Entries sent and not reported. */
  readonly #inflight = new Inflight();
  readonly #pace = new Pace();
  /** The number `#expire` found taken when it decided to end the thread: under its halt nothing later started. */
  #haltedAt: number | undefined;
  #ready = false;
  #refed = true;
  #idle: LongTimer | undefined;
  /** Why the pool ended it, if it did: the tasks whose results were lost are told so. */
  #ending: 'abort' | 'retire' | undefined;
  #error: unknown;
  readonly exit: Promise<void>;

  constructor(host: ThreadHost, moduleUrl: string, resourceLimits: ResourceLimits | undefined) {
    this.#host = host;
    const shared = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.#shared = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.#control = port1;
    this.#worker = spawn({ moduleUrl, shared, control: port2 }, [port2], resourceLimits);
    this.#worker.on('message', (message: ThreadMessage) => this.#onMessage(message));
    this.#worker.on('error', (error) => (this.#error ??= error));
    this.exit = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        this.#onExit(code);
        resolve();
      }),
    );
    this.#setIdle();
  }

  /** Tasks sent and not reported. */
  get load(): number {
    return this.#inflight.length;
  }

  /** It has loaded the task module: a task sent now starts as soon as the ones ahead of it. */
  get ready(): boolean {
    return this.#ready && this.#ending === undefined;
  }

  /** Its tasks are long enough that one waiting behind another is worth moving to an idle thread. */
  get long(): boolean {
    return this.#pace.long;
  }

  /** From when it counts as late (see {@link Pace.lateAt} and {@link Pace.saw}); never while it has nothing in hand. */
  get lateAt(): number {
    if (this.load === 0) return Infinity;
    this.#pace.saw(Atomics.load(this.#shared, Slot.TAKEN));
    return this.#pace.lateAt;
  }

  /** How many more tasks it should be sent now: up to its {@link Pace.depth}, none while it is late. */
  get capacity(): number {
    if (this.#ending !== undefined) return 0;
    if (this.load > 0) {
      this.#pace.saw(Atomics.load(this.#shared, Slot.TAKEN));
      if (this.#pace.late()) return 0;
    }
    return Math.max(0, this.#pace.depth - this.load);
  }

  /** How many of its unreported tasks it has taken (started, or finished with the result on its way). */
  #takenCount(): number {
    return this.#inflight.taken(Atomics.load(this.#shared, Slot.TAKEN));
  }

  /** Whether it is running a task whose `run()` has not settled (an aborted one it is being ended for is not). */
  get busy(): boolean {
    return this.#inflight.running(this.#takenCount());
  }

  /** Tasks sent to it, not taken yet and not aborted. */
  get waiting(): number {
    return this.#inflight.waiting(this.#takenCount());
  }

  /** Whether it holds a task that {@link takeBack} would move: not taken, not aborted, no buffers transferred here. */
  get movable(): boolean {
    return this.#inflight.movable(this.#takenCount());
  }

  /** Sends `entries` in one message; one that cannot be cloned fails alone with its DataCloneError. */
  send(entries: Entry[]): void {
    if (this.load === 0) this.#pace.heard();
    const tasks: unknown[] = [];
    let transfer: TransferListItem[] | undefined;
    for (const e of entries) {
      tasks.push(e.name, e.arg);
      if (e.transfer !== undefined) for (const t of e.transfer) (transfer ??= []).push(t);
    }
    try {
      this.#worker.postMessage({ tasks }, transfer as never);
      for (const e of entries) this.#inflight.push(e, this);
    } catch {
      for (const e of entries) {
        try {
          this.#worker.postMessage({ tasks: [e.name, e.arg] }, e.transfer as never);
          this.#inflight.push(e, this);
        } catch (error) {
          settle(e, false, error);
        }
      }
    }
    if (this.load > 0) this.#setBusy();
  }

  /**
   * `entry` (sent here) was aborted: reject it now, tell the thread, and end the thread if the task is still running
   * after the grace period.
   */
  abort(entry: Entry): void {
    settle(entry, false, reasonOf(entry.signal!));
    let reason: unknown = entry.signal!.reason;
    try {
      this.#control.postMessage({ cancel: entry.index, reason });
    } catch {
      reason = undefined; // not cloneable: the task sees a plain AbortError
      this.#control.postMessage({ cancel: entry.index, reason });
    }
    Atomics.add(this.#shared, Slot.CONTROL, 1);
    if (Number.isFinite(this.#host.graceMs)) {
      entry.grace = setLongTimeout(() => this.#expire(entry), this.#host.graceMs);
    }
  }

  #expire(entry: Entry): void {
    entry.grace = undefined;
    if (entry.thread !== this || this.#ending !== undefined) return;
    // The thread publishes TAKEN before it reads HALT, and here HALT is set before TAKEN is read: either we see that
    // it moved past this task (it stopped, or never started it), or it sees HALT and starts nothing more.
    Atomics.store(this.#shared, Slot.HALT, 1);
    if (Atomics.load(this.#shared, Slot.TAKEN) === entry.index) {
      this.#ending = 'abort';
      this.#haltedAt = entry.index;
      this.#host.leaving(this, true);
      void this.#worker.terminate();
      return;
    }
    Atomics.store(this.#shared, Slot.HALT, 0);
    Atomics.notify(this.#shared, Slot.HALT);
  }

  /**
   * Takes back the tasks sent here that it has not started, so that another thread can run them: they come back in
   * order, and the thread skips their numbers (reporting them as dropped) when it reaches them. Tasks whose `transfer`
   * moved buffers here, and aborted ones, stay.
   */
  takeBack(): Entry[] {
    if (this.#ending !== undefined || !this.movable) return [];
    // The protocol of #expire: with HALT set before TAKEN is read, every task after TAKEN is untaken until HALT is
    // cleared, and the thread reads its control port after the halt, before it starts the next task.
    Atomics.store(this.#shared, Slot.HALT, 1);
    try {
      const back = this.#inflight.takeBack(this.#takenCount());
      for (const entry of back) entry.thread = undefined;
      if (back.length > 0) {
        this.#control.postMessage({ revoke: back.map((e) => e.index) });
        Atomics.add(this.#shared, Slot.CONTROL, 1);
      }
      return back;
    } finally {
      Atomics.store(this.#shared, Slot.HALT, 0);
      Atomics.notify(this.#shared, Slot.HALT);
    }
  }

  /** Ends the thread once it has nothing in hand (idle, close). */
  retire(): void {
    if (this.#ending !== undefined) return;
    this.#ending = 'retire';
    this.#idle?.clear();
    void this.#worker.terminate();
  }

  #onMessage(message: ThreadMessage): void {
    if ('ready' in message) {
      this.#ready = true;
      // Work may wait on another thread that this one can now take.
      this.#host.drained(this);
      return;
    }
    const { results, busy } = message;
    // Dropped tasks (aborted, taken back) never ran and say nothing about how long tasks take.
    let ran = 0;
    for (let i = 0; i < results.length; i += 2) if (results[i] !== Code.DROPPED) ran++;
    this.#pace.reported(busy, ran);
    for (let i = 0; i < results.length; i += 2) {
      const entry = this.#inflight.shift();
      entry.thread = undefined;
      entry.grace?.clear();
      settleReported(entry, results[i] as number, results[i + 1]);
    }
    if (this.#inflight.length === 0) this.#setIdle();
    this.#host.drained(this);
  }

  #onExit(code: number): void {
    this.#idle?.clear();
    const crashed = this.#ending === undefined;
    this.#ending ??= 'retire';
    // Ended for an abort, the thread may have taken one more number before it saw the halt, but it started nothing.
    const taken =
      this.#haltedAt !== undefined && !crashed ? this.#inflight.taken(this.#haltedAt) : this.#takenCount();
    const lost =
      this.#ending === 'abort' && !crashed
        ? new Error(
            'worker: the thread was ended (an aborted task on it did not stop) before it sent this task’s result',
          )
        : (this.#error ?? new Error(`worker: the thread exited with code ${code} while it had this task`));
    const failure = this.#ready ? undefined : (this.#error ?? lost);
    const untaken: Entry[] = [];
    const all = this.#inflight.drain();
    for (let i = 0; i < all.length; i++) {
      const entry = all[i]!;
      entry.thread = undefined;
      entry.grace?.clear();
      if (entry.done) continue;
      // A task that went with the thread is rejected, never run twice; one it had not taken runs elsewhere, unless
      // its transferred buffers went with the thread.
      if (i < taken || failure !== undefined) settle(entry, false, failure ?? lost);
      else if (entry.transfer !== undefined && entry.transfer.length > 0) settle(entry, false, lost);
      else untaken.push(entry);
    }
    this.#control.close();
    this.#host.exited(this, untaken, crashed, failure);
  }

  #setBusy(): void {
    this.#idle?.clear();
    this.#idle = undefined;
    if (!this.#refed) {
      this.#refed = true;
      this.#worker.ref();
    }
  }

  /** With nothing in hand the thread must not keep the process alive, and it retires after `idleMs`. */
  #setIdle(): void {
    if (this.#refed) {
      this.#refed = false;
      this.#worker.unref();
    }
    const idleMs = this.#host.idleMs;
    if (Number.isFinite(idleMs) && this.#ending === undefined) {
      this.#idle = setLongTimeout(() => {
        if (this.load === 0) {
          this.#host.leaving(this, false);
          this.retire();
        }
      }, idleMs);
      this.#idle.unref();
    }
  }
}
