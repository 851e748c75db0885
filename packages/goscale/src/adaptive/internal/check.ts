/**
 * @module Option checks of the adaptive limit and its algorithms: errors that name the option and quote the value.
 * @internal
 */
import { describe } from '../../internal/args.js';

/** Throws unless `value` is a finite number > 0 (an integer when `integer`; 0 allowed when `zero`). */
export function checkPositive(
  owner: string,
  name: string,
  value: unknown,
  integer = false,
  zero = false,
): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  const ok =
    Number.isFinite(value) && (zero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (!ok) {
    const what = integer ? 'an integer from 1 and up' : zero ? 'a finite number >= 0' : 'a finite number > 0';
    throw new RangeError(`${owner}: expected \`${name}\` to be ${what}, got ${describe(value)}`);
  }
}

/** Throws unless `value` is a number in (0, 1) — or (0, 1] when `one` is allowed. */
export function checkFraction(owner: string, name: string, value: unknown, one: boolean): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  if (!(value > 0 && (one ? value <= 1 : value < 1))) {
    throw new RangeError(
      `${owner}: expected \`${name}\` to be a number in (0, 1${one ? ']' : ')'}, got ${describe(value)}`,
    );
  }
}
