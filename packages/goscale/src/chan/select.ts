/**
 * @module `select` and `trySelect`: Go's `select` statement over receive and send cases on channels.
 */
import { reasonOf, type SignalOptions, signalRejection } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { CLOSED, type Selection, Waiter, RECV, SEND } from './internal/waiter.js';
import { Channel, internals } from './channel.js';
import { ChannelClosedError } from './errors.js';

/** A receive case, made by {@link recvOn}: Go's `case v, ok := <-ch`. */
export interface RecvCase<T> {
  readonly op: 'recv';
  readonly channel: Channel<T>;
}

/** A send case, made by {@link sendOn}: Go's `case ch <- value`. */
export interface SendCase<T> {
  readonly op: 'send';
  readonly channel: Channel<T>;
  readonly value: T;
}

/** Any case `select` accepts. */
export type SelectCase = RecvCase<unknown> | SendCase<unknown>;

/**
 * The result for case `I`: for a receive, `{ index, value, ok }` as from `recv()`; for a send, `value` is undefined
 * and `ok` true.
 */
export type CaseResult<C, I extends number> =
  C extends SendCase<unknown>
    ? { index: I; value: undefined; ok: true }
    : C extends RecvCase<infer T>
      ? { index: I; value: T; ok: true } | { index: I; value: undefined; ok: false }
      : never;

/**
 * What `select(cases)` resolves with: a union over the cases, discriminated by `index`, so that `switch (r.index)`
 * narrows `value` to the type of that case's channel.
 */
export type SelectResult<C extends readonly SelectCase[]> = {
  [K in keyof C]: CaseResult<C[K], K extends `${infer I extends number}` ? I : number>;
}[number];

/**
 * A receive case for {@link select}: completes when `channel` has a value or is closed and drained.
 *
 * @param channel - the channel to receive from.
 * @returns a case; the same case object may be reused in many selects.
 * @throws TypeError when `channel` is not a Channel.
 * @example
 * ```ts
 * const r = await select([recvOn(results), recvOn(errors)]);
 * ```
 */
export function recvOn<T>(channel: Channel<T>): RecvCase<T> {
  if (!(channel instanceof Channel)) {
    throw new TypeError(`recvOn: expected a Channel, got ${describe(channel)}`);
  }
  return { op: 'recv', channel };
}

/**
 * A send case for {@link select}: completes when `channel` takes `value` (a receiver waits or the buffer has room).
 *
 * @param channel - the channel to send on.
 * @param value - the value to send; it must fit the channel's type (it does not widen it).
 * @returns a case; the value is sent only if this case is the one the select completes.
 * @throws TypeError when `channel` is not a Channel.
 * @example
 * ```ts
 * await select([sendOn(out, item), recvOn(quit)]);
 * ```
 */
export function sendOn<T>(channel: Channel<T>, value: NoInfer<T>): SendCase<T> {
  if (!(channel instanceof Channel)) {
    throw new TypeError(`sendOn: expected a Channel, got ${describe(channel)}`);
  }
  return { op: 'send', channel, value };
}

function checkCases(owner: string, cases: unknown): asserts cases is readonly SelectCase[] {
  if (!Array.isArray(cases))
    throw new TypeError(`${owner}: expected an array of cases, got ${describe(cases)}`);
  for (let i = 0; i < cases.length; i++) {
    const c: unknown = cases[i];
    const ok =
      typeof c === 'object' &&
      c !== null &&
      ((c as SelectCase).op === 'recv' || (c as SelectCase).op === 'send') &&
      (c as SelectCase).channel instanceof Channel;
    if (!ok)
      throw new TypeError(`${owner}: expected cases[${i}] from recvOn() or sendOn(), got ${describe(c)}`);
  }
}

function isReady(c: SelectCase): boolean {
  return c.op === 'recv' ? internals.recvReady(c.channel) : internals.sendReady(c.channel);
}

/** Completes one ready case chosen uniformly at random, or returns undefined when none is ready. */
function attempt(
  owner: string,
  cases: readonly SelectCase[],
): { index: number; value: unknown; ok: boolean } | undefined {
  let ready = 0;
  for (const c of cases) {
    // Deterministic where Go picks at random among ready cases and panics only if it picked the closed send: a send
    // on a closed channel is a bug in the caller, and a bug that shows up every time is one that gets fixed.
    if (c.op === 'send' && c.channel.closed) {
      throw new ChannelClosedError(`${owner}: send on closed channel`);
    }
    if (isReady(c)) ready++;
  }
  if (ready === 0) return undefined;
  // One draw, then the n-th ready case: uniform, and cheap enough to keep the ready scan allocation-free.
  let n = Math.floor(Math.random() * ready);
  for (let index = 0; index < cases.length; index++) {
    const c = cases[index]!;
    if (!isReady(c) || n-- > 0) continue;
    if (c.op === 'send') {
      internals.offer(c.channel, c.value);
      return { index, value: undefined, ok: true };
    }
    const got = internals.poll(c.channel);
    return got === CLOSED ? { index, value: undefined, ok: false } : { index, value: got, ok: true };
  }
  throw new Error('unreachable: a ready case vanished during select');
}

/**
 * Go's `select` without `default`: completes exactly one case and resolves with its index (and, for a receive, the
 * value and `ok`).
 *
 * Invariants:
 * - When several cases are ready at the call, one is chosen uniformly at random; the others are untouched.
 * - Otherwise the select waits in the queue of every case's channel, in FIFO order with plain `send`/`recv` calls; the
 *   first case to fire wins and all the others are unlinked at once, so a completed select leaves no trace: no queued
 *   waiter, no value taken or sent on another case, no 'abort' listener.
 * - A send case on a closed channel (at the call or when its channel is closed while waiting) rejects the select with
 *   {@link ChannelClosedError}, whether or not other cases are ready (Go panics); nothing else is sent or taken.
 * - Aborting `signal` rejects with `signal.reason` and leaves every channel as it was. An already-aborted signal
 *   rejects at once, even when a case is ready. `select([])` waits until aborted, like Go's `select {}`.
 *
 * Cost: a ready select scans its cases twice and allocates its result; a waiting one costs one waiter per case and
 * one promise (about 700 bytes for two cases, measured on Node 20), and O(cases) to finish or abort.
 *
 * @param cases - cases from {@link recvOn} and {@link sendOn}; anything else rejects with a TypeError.
 * @param options - `signal` aborts the wait.
 * @returns a promise of `{ index, value, ok }` for the completed case.
 * @example
 * ```ts
 * const r = await select([recvOn(jobs), recvOn(quit)], { signal });
 * if (r.index === 1 || !r.ok) return;
 * await handle(r.value);
 * ```
 */
export function select<const C extends readonly SelectCase[]>(
  cases: C,
  options?: SignalOptions,
): Promise<SelectResult<C>> {
  const signal = options?.signal;
  let now;
  try {
    checkCases('select', cases);
  } catch (error) {
    return Promise.reject(error);
  }
  const rejection = signalRejection('select', signal);
  if (rejection !== undefined) return rejection;
  try {
    now = attempt('select', cases);
  } catch (error) {
    return Promise.reject(error);
  }
  if (now !== undefined) return Promise.resolve(now as SelectResult<C>);
  return new Pending(cases, signal).promise as Promise<SelectResult<C>>;
}

/**
 * Go's `select` with a `default` case: completes one ready case (chosen uniformly at random when several are) or
 * returns `undefined`, changing nothing, when none is ready.
 *
 * @param cases - cases from {@link recvOn} and {@link sendOn}.
 * @returns `{ index, value, ok }` for the completed case, or `undefined`.
 * @throws TypeError for a bad case; {@link ChannelClosedError} when a send case's channel is closed.
 * @example
 * ```ts
 * const r = trySelect([recvOn(updates)]);
 * if (r === undefined) showStale();
 * ```
 */
export function trySelect<const C extends readonly SelectCase[]>(cases: C): SelectResult<C> | undefined {
  checkCases('trySelect', cases);
  return attempt('trySelect', cases) as SelectResult<C> | undefined;
}

/** A select waiting on all its cases at once; it is the 'abort' listener of its signal. */
class Pending implements Selection {
  readonly promise: Promise<unknown>;
  readonly #nodes: Waiter[] = [];
  readonly #signal: AbortSignal | undefined;
  #resolve!: (result: unknown) => void;
  #reject!: (error: unknown) => void;

  constructor(cases: readonly SelectCase[], signal: AbortSignal | undefined) {
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#signal = signal;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const queue = c.op === 'recv' ? internals.recvq(c.channel) : internals.sendq(c.channel);
      const node = new Waiter(c.op === 'recv' ? RECV : SEND, c.op === 'send' ? c.value : undefined, queue);
      node.sel = this;
      node.index = i;
      queue.push(node);
      this.#nodes.push(node);
    }
    signal?.addEventListener('abort', this, { once: true });
  }

  win(node: Waiter, value: unknown, ok: boolean): void {
    this.#finish();
    this.#resolve({ index: node.index, value, ok });
  }

  fail(_node: Waiter, error: unknown): void {
    this.#finish();
    this.#reject(
      error instanceof ChannelClosedError ? new ChannelClosedError('select: send on closed channel') : error,
    );
  }

  handleEvent(): void {
    this.#finish();
    this.#reject(reasonOf(this.#signal!));
  }

  // The channel that fired has already unlinked the winning node; unlinking the rest makes the select vanish from
  // every other queue before any other operation can see it.
  #finish(): void {
    for (const node of this.#nodes) node.queue.remove(node);
    this.#signal?.removeEventListener('abort', this);
  }
}
