/**
 * @module Checks of the options and arguments, with errors that quote the bad value.
 * @internal
 */

/** Describes a value for error messages the way p-limit does: `` `0` (number) ``. */
export function describe(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}

/** Throws unless `value` is a safe integer >= `min`. */
export function checkInteger(
  owner: string,
  name: string,
  value: unknown,
  min: number,
): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `${owner}: expected \`${name}\` to be a safe integer from ${min} and up, got ${describe(value)}`,
    );
  }
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(owner: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `${owner}: expected \`${name}\` to be a finite number above 0, got ${describe(value)}`,
    );
  }
}

/** Throws unless `key` is a non-empty string without braces (the adapter wraps it in its own hash tag). */
export function checkKey(owner: string, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || /[{}]/.test(key)) {
    throw new TypeError(
      `${owner}: expected \`key\` to be a non-empty string without { or }, got ${describe(key)}`,
    );
  }
}

/** Throws a TypeError unless `signal` is undefined or an AbortSignal. */
export function checkSignal(owner: string, signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${owner}: expected \`signal\` to be an AbortSignal, got ${describe(signal)}`);
  }
}

/** The reason an aborted signal rejects with. */
export function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
