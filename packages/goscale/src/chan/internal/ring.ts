/**
 * @module A FIFO ring buffer that grows by doubling up to its fixed capacity: the buffered values of a `Channel`.
 * @internal
 */

/** Ring of at most `capacity` values. Storage starts small, so `new Channel(1e6)` costs nothing until it fills. */
export class Ring<T> {
  #buf: (T | undefined)[];
  #mask: number;
  #head = 0;
  length = 0;

  constructor(readonly capacity: number) {
    // A power-of-two size turns the wrap-around into a mask instead of a modulo on every push and shift.
    const size = capacity === 0 ? 0 : Math.min(16, 2 ** Math.ceil(Math.log2(capacity)));
    this.#buf = new Array<T | undefined>(size).fill(undefined);
    this.#mask = size - 1;
  }

  /** True when `capacity` values are buffered. */
  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Appends `value`. The caller checks `full` first. */
  push(value: T): void {
    if (this.length === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.length) & this.#mask] = value;
    this.length++;
  }

  /** Removes and returns the oldest value. The caller checks `length` first. */
  shift(): T {
    const value = this.#buf[this.#head] as T;
    // Clearing the slot lets the value be collected as soon as the receiver is done with it.
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.length--;
    return value;
  }

  #grow(): void {
    const old = this.#buf;
    const size = old.length * 2;
    const buf = new Array<T | undefined>(size).fill(undefined);
    for (let i = 0; i < this.length; i++) buf[i] = old[(this.#head + i) & this.#mask];
    this.#buf = buf;
    this.#mask = size - 1;
    this.#head = 0;
  }
}
