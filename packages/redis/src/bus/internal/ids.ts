/**
 * @module Redis stream ids (`<ms>-<seq>`, two unsigned 64-bit decimals): validation and their numeric order.
 * @internal
 */

const ID = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,19})$/;
const U64_MAX = '18446744073709551615';

/** Compares two canonical decimals (no leading zeros) as numbers, exactly, whatever their size. */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `id` is a complete stream id as Redis writes it (both parts canonical and within 64 bits). */
export function isStreamId(id: string): boolean {
  const m = ID.exec(id);
  return m !== null && compareDecimal(m[1]!, U64_MAX) <= 0 && compareDecimal(m[2]!, U64_MAX) <= 0;
}

/**
 * The order of two stream ids: by milliseconds, then by sequence, both as numbers (`'9-0'` before `'10-0'`, which
 * string order gets wrong).
 */
export function compareStreamIds(a: string, b: string): number {
  const i = a.indexOf('-');
  const j = b.indexOf('-');
  return compareDecimal(a.slice(0, i), b.slice(0, j)) || compareDecimal(a.slice(i + 1), b.slice(j + 1));
}
