/**
 * @module Terminal output: number formats, aligned tables, colours (only on a TTY) and a progress line on stderr.
 */
import { styleText } from 'node:util';
import type { Conclusion, Table } from '../sections/types.js';

/**
 * Formats milliseconds for a table: whole ms below a second, seconds with two decimals above.
 * @param ms - a duration.
 * @returns the text.
 * @example
 * ```ts
 * fmtMs(2412) // '2.41 s'
 * ```
 */
export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/**
 * Formats a ratio: one decimal below 10, none from 10 up, `∞x` for Infinity.
 * @param ratio - the ratio.
 * @returns the text.
 * @example
 * ```ts
 * fmtX(3.14) // '3.1x'
 * ```
 */
export function fmtX(ratio: number): string {
  if (!Number.isFinite(ratio)) return '∞x';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}x`;
}

/**
 * Formats bytes (negative deltas, from GC between samples, show as 0).
 * @param bytes - a byte count.
 * @returns the text.
 * @example
 * ```ts
 * fmtBytes(3.4 * 2 ** 20) // '3.4 MiB'
 * ```
 */
export function fmtBytes(bytes: number): string {
  const b = Math.max(0, bytes);
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(0)} KiB`;
  return `${b.toFixed(0)} B`;
}

/**
 * Formats failures by kind, in the tally's key order.
 * @param errors - failures by outcome.
 * @returns `0` when empty.
 * @example
 * ```ts
 * fmtErrors({ '503': 880 }) // '880 (503)'
 * ```
 */
export function fmtErrors(errors: Record<string, number>): string {
  const parts = Object.entries(errors).map(([kind, n]) => `${n} (${kind})`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

type Style = Parameters<typeof styleText>[0];

/**
 * Colours text when `enabled`. The decision is ours ({@link wantsColour}): older Node 20 releases' `styleText` never
 * looks at the stream, newer ones look at stdout even for text bound for stderr, so stream validation is turned off.
 * @param enabled - from {@link wantsColour}.
 * @param style - a `util.styleText` format.
 * @param text - the text.
 * @returns the text, styled or not.
 * @example
 * ```ts
 * paint(wantsColour(process.stdout), 'green', '✔');
 * ```
 */
export function paint(enabled: boolean, style: Style, text: string): string {
  return enabled ? styleText(style, text, { validateStream: false }) : text;
}

/**
 * Whether to colour a stream: a TTY, and neither NO_COLOR nor NODE_DISABLE_COLORS set.
 * @param stream - stdout or stderr.
 * @returns true to colour.
 * @example
 * ```ts
 * const colour = wantsColour(process.stdout);
 * ```
 */
export function wantsColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && !process.env.NODE_DISABLE_COLORS;
}

/**
 * Renders a table with aligned columns (numbers right-aligned), a title and a rule under the header.
 * @param table - the table.
 * @param colour - whether to use colours.
 * @returns the lines, joined with newlines, ending with one.
 * @example
 * ```ts
 * process.stdout.write(renderTable({ title: 'T', columns: ['a', 'b'], rows: [['x', '1']] }, false));
 * ```
 */
export function renderTable(table: Table, colour: boolean): string {
  const widths = table.columns.map((c, i) =>
    Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const numeric = (cell: string): boolean => /^[-+]?[\d.,]+\s?(ms|s|x|%|B|KiB|MiB)?$/.test(cell);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i > 0 && numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [paint(colour, 'bold', table.title), paint(colour, 'dim', line(table.columns))];
  out.push(paint(colour, 'dim', widths.map((w) => '─'.repeat(w)).join('  ')));
  for (const row of table.rows) out.push(line(row));
  return `${out.join('\n')}\n`;
}

/**
 * Renders conclusions as a list: ✔ when the measurement backs the point, ✘ when it does not, with the talk's claim.
 * @param conclusions - from a section.
 * @param colour - whether to use colours.
 * @returns the lines, each ending with a newline.
 * @example
 * ```ts
 * process.stdout.write(renderConclusions(result.conclusions, false));
 * ```
 */
export function renderConclusions(conclusions: Conclusion[], colour: boolean): string {
  return conclusions
    .map((c) => {
      const mark = c.ok ? paint(colour, 'green', '✔') : paint(colour, 'yellow', '✘');
      const claim = c.claim ? paint(colour, 'dim', ` [talk: "${c.claim}"]`) : '';
      return `  ${mark} ${c.text}${claim}\n`;
    })
    .join('');
}

/**
 * A one-line progress display on a TTY stream: each `update` redraws the line, `clear` erases it. On anything but a
 * TTY it writes nothing, so piped output and `--json` stay clean.
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #last = 0;
  #shown = false;

  constructor(stream: NodeJS.WriteStream, enabled = stream.isTTY === true) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /** Redraws the line with `text`, at most every 50 ms (a redraw per finished request would cost more than it shows). */
  update(text: string, force = false): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (!force && now - this.#last < 50) return;
    this.#last = now;
    const width = (this.#stream.columns || 100) - 1;
    this.#stream.write(`\r\x1b[2K${text.slice(0, width)}`);
    this.#shown = true;
  }

  /** Erases the line. */
  clear(): void {
    if (this.#enabled && this.#shown) this.#stream.write('\r\x1b[2K');
    this.#shown = false;
  }
}
