/**
 * @module The argument checks every capability shares: programming mistakes fail loudly, quoting the bad value and
 * naming the bound it broke.
 * @internal
 */

/**
 * Describes a value for error messages the way p-limit does: `` `0` (number) ``. An integer past 2^53 is shown with
 * its exact digits (`String(2 ** 60)` would print a rounded `1152921504606847000`, a number the caller never passed).
 */
export function describe(value: unknown): string {
  let shown: string;
  try {
    if (typeof value === 'string') shown = JSON.stringify(value);
    else if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      shown = BigInt(value).toString();
    } else shown = String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}

/** How an upper bound reads in an error message: Number.MAX_SAFE_INTEGER by name, any other by value. */
function bound(max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `${max} (Number.MAX_SAFE_INTEGER)` : String(max);
}

/**
 * Throws unless `value` is an integer from `min` to `max` (or Infinity when `allowInfinity`): a TypeError for a
 * non-number, a RangeError otherwise, both quoting the value. `max` defaults to Number.MAX_SAFE_INTEGER, and is never
 * more: past 2^53 a double no longer holds every integer (`2 ** 53 + 1 === 2 ** 53`), so a count or size up there
 * would silently lose or invent units as it is added to and taken from.
 */
export function checkInteger(
  owner: string,
  name: string,
  value: unknown,
  min: number,
  allowInfinity = false,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  if (value === Infinity && allowInfinity) return;
  const infinity = allowInfinity ? ' (or Infinity)' : '';
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `${owner}: expected \`${name}\` to be an integer from ${min} and up${infinity}, got ${describe(value)}`,
    );
  }
  if (value > max) {
    throw new RangeError(
      `${owner}: expected \`${name}\` to be an integer from ${min} to ${bound(max)}${infinity}, got ${describe(value)}`,
    );
  }
}
