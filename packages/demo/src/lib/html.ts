/**
 * @module The self-contained HTML report: tables, conclusions and an inline SVG timeline per strategy.
 */
import type { SectionResult, Table } from '../sections/types.js';
import type { Bar, Timeline } from './timeline.js';

/**
 * Escapes text for HTML and XML (SVG) content and attribute values.
 * @param text - any text.
 * @returns the text with `& < > " '` escaped.
 * @example
 * ```ts
 * escapeXml('a < b') // 'a &lt; b'
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`,
  );
}

/**
 * Packs bars into lanes: each bar goes to the first lane free at its start, so a lane is one "worker" and the
 * number of lanes is the peak concurrency. Fixed batches show as columns with gaps where lanes wait for a straggler.
 * @param bars - the bars, in any order.
 * @returns the lane of each bar (same order as `bars`) and the lane count.
 * @example
 * ```ts
 * packLanes([{ start: 0, end: 2, … }, { start: 1, end: 3, … }]) // { lanes: [0, 1], count: 2 }
 * ```
 */
export function packLanes(bars: readonly Bar[]): { lanes: number[]; count: number } {
  const order = bars.map((_, i) => i).sort((a, b) => bars[a]!.start - bars[b]!.start || a - b);
  const laneEnds: number[] = [];
  const lanes = new Array<number>(bars.length).fill(0);
  for (const i of order) {
    const bar = bars[i]!;
    let lane = laneEnds.findIndex((end) => end <= bar.start);
    if (lane < 0) lane = laneEnds.push(bar.end) - 1;
    else laneEnds[lane] = bar.end;
    lanes[i] = lane;
  }
  return { lanes, count: laneEnds.length };
}

const WIDTH = 900;
const LEFT = 10;
const PLOT = WIDTH - 2 * LEFT;

/**
 * Renders one timeline as an SVG: a bar per task (green when it succeeded, red otherwise, with its outcome in a
 * tooltip), x = time on a scale shared by the section (`maxMs`), y = lane.
 * @param timeline - the strategy's timeline.
 * @param maxMs - the time at the right edge.
 * @returns the `<svg>` element's markup.
 * @example
 * ```ts
 * renderTimelineSvg(result.timelines[0], 1500);
 * ```
 */
export function renderTimelineSvg(timeline: Timeline, maxMs: number): string {
  const { lanes, count } = packLanes(timeline.bars);
  const laneHeight = Math.max(0.3, Math.min(8, 240 / Math.max(1, count)));
  const plotHeight = Math.max(8, count * laneHeight);
  const height = plotHeight + 24;
  const x = (ms: number): number => LEFT + (Math.max(0, ms) / Math.max(1, maxMs)) * PLOT;
  const rects = timeline.bars.map((bar, i) => {
    const span = x(bar.end) - x(bar.start);
    // A hairline gap between back-to-back tasks in one lane, so a busy lane still reads as separate tasks.
    const w = Math.max(0.5, span > 3 ? span - 1 : span);
    return `<rect class="bar ${bar.ok ? 'ok' : 'fail'}" x="${x(bar.start).toFixed(2)}" y="${(lanes[i]! * laneHeight).toFixed(2)}" width="${w.toFixed(2)}" height="${Math.max(0.3, laneHeight * 0.85).toFixed(2)}"><title>${escapeXml(`${bar.outcome}: ${bar.start.toFixed(0)}-${bar.end.toFixed(0)} ms`)}</title></rect>`;
  });
  const ticks: string[] = [];
  const step = niceStep(maxMs);
  for (let t = 0; t <= maxMs; t += step) {
    ticks.push(
      `<line class="tick" x1="${x(t).toFixed(2)}" x2="${x(t).toFixed(2)}" y1="0" y2="${plotHeight}"/><text x="${x(t).toFixed(2)}" y="${plotHeight + 16}">${t >= 1000 ? `${t / 1000}s` : `${t}ms`}</text>`,
    );
  }
  const events = timeline.events.map(
    (e) =>
      `<line class="event" x1="${x(e.at).toFixed(2)}" x2="${x(e.at).toFixed(2)}" y1="0" y2="${plotHeight}"/><text class="event" x="${(x(e.at) + 3).toFixed(2)}" y="10">${escapeXml(e.label)}</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-strategy="${escapeXml(timeline.strategy)}" ` +
    `width="${WIDTH}" height="${height.toFixed(0)}" viewBox="0 0 ${WIDTH} ${height.toFixed(0)}" role="img">` +
    `<title>${escapeXml(`${timeline.strategy}: ${timeline.bars.length} tasks in ${count} lanes`)}</title>` +
    `${ticks.join('')}${rects.join('')}${events.join('')}<line class="end" x1="${x(timeline.wallMs).toFixed(2)}" x2="${x(timeline.wallMs).toFixed(2)}" y1="0" y2="${plotHeight}"/></svg>`
  );
}

/**
 * Renders an adaptive strategy's concurrency limit over time beside its in-flight count (from the bars), as two
 * step lines on one scale: the limit finding the knee, and the work following it.
 * @param timeline - a timeline with `limits`.
 * @param maxMs - the time at the right edge (the section's shared scale).
 * @returns the `<svg>` element's markup, or '' when the timeline has no limits.
 * @example
 * ```ts
 * renderLimitSvg(result.timelines[3], 1500);
 * ```
 */
export function renderLimitSvg(timeline: Timeline, maxMs: number): string {
  const limits = timeline.limits ?? [];
  if (limits.length === 0) return '';
  const height = 120;
  const plot = height - 24;
  const steps: Array<[number, number]> = [];
  for (const bar of timeline.bars) steps.push([bar.start, 1], [bar.end, -1]);
  steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const inFlight: Array<[number, number]> = [[0, 0]];
  let running = 0;
  for (const [at, delta] of steps) inFlight.push([at, (running += delta)]);
  const top = Math.max(1, ...inFlight.map(([, n]) => n), ...limits.map((l) => l.limit));
  const x = (ms: number): string => (LEFT + (Math.max(0, ms) / Math.max(1, maxMs)) * PLOT).toFixed(2);
  const y = (n: number): string => (plot - (n / top) * (plot - 4)).toFixed(2);
  const line = (points: Array<[number, number]>, end: number): string => {
    let d = `M${x(points[0]![0])},${y(points[0]![1])}`;
    for (let i = 1; i < points.length; i++) d += ` H${x(points[i]![0])} V${y(points[i]![1])}`;
    return `${d} H${x(end)}`;
  };
  const end = timeline.wallMs;
  const finalLimit = limits[limits.length - 1]!.limit;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="limits" data-strategy="${escapeXml(timeline.strategy)}" ` +
    `width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img">` +
    `<title>${escapeXml(`${timeline.strategy}: concurrency limit (ends at ${finalLimit}) and tasks in flight (peak ${top})`)}</title>` +
    `<line class="tick" x1="${LEFT}" x2="${WIDTH - LEFT}" y1="${y(top)}" y2="${y(top)}"/><text x="${LEFT + 12}" y="${(Number(y(top)) - 2).toFixed(2)}">${top}</text>` +
    `<path class="inflight" d="${line(inFlight, end)}"/>` +
    `<path class="limit" d="${line(
      limits.map((l) => [l.at, l.limit]),
      end,
    )}"/>` +
    `<text class="limit" x="${WIDTH - LEFT}" y="${plot + 16}">limit</text><text class="inflight" x="${WIDTH - LEFT - 50}" y="${plot + 16}">in flight</text></svg>`
  );
}

function niceStep(maxMs: number): number {
  const raw = Math.max(1, maxMs) / 8;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

function tableHtml(table: Table): string {
  const head = table.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('');
  const body = table.rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table><caption>${escapeXml(table.title)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Renders the whole report: one HTML document with inline CSS and SVG, no external resources.
 * @param results - the sections that ran.
 * @param meta - the seed and whether the run was quick.
 * @returns the document.
 * @example
 * ```ts
 * await writeFile('report.html', renderHtml(results, { seed: 42, quick: false }));
 * ```
 */
export function renderHtml(
  results: readonly SectionResult[],
  meta: { seed: number; quick: boolean },
): string {
  const sections = results.map((r) => {
    const maxMs = Math.max(1, ...r.timelines.map((t) => Math.max(t.wallMs, ...t.bars.map((b) => b.end))));
    const conclusions = r.conclusions
      .map(
        (c) =>
          `<li class="${c.ok ? 'ok' : 'no'}">${c.ok ? '✔' : '✘'} ${escapeXml(c.text)}${c.claim ? ` <em>[talk: “${escapeXml(c.claim)}”]</em>` : ''}</li>`,
      )
      .join('');
    const timelines = r.timelines
      .map(
        (t) =>
          `<figure><figcaption>${escapeXml(t.strategy)} — ${t.wallMs.toFixed(0)} ms</figcaption>${renderTimelineSvg(t, maxMs)}${renderLimitSvg(t, maxMs)}</figure>`,
      )
      .join('');
    return `<section id="s${r.section}"><h2>${r.section}. ${escapeXml(r.title)}</h2>${r.tables.map(tableHtml).join('')}<ul class="conclusions">${conclusions}</ul>${timelines}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>goscale demo report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}
table{border-collapse:collapse;margin:1em 0}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}td:not(:first-child){text-align:right}
.conclusions{list-style:none;padding:0}.conclusions .ok{color:#176b2c}.conclusions .no{color:#a15c00}
figure{margin:1em 0}figcaption{font-weight:600}svg.timeline{background:#fafafa;border:1px solid #eee}
rect.ok{fill:#3a9d5d}rect.fail{fill:#d64545}line.tick{stroke:#e2e2e2}line.end{stroke:#333;stroke-dasharray:3 2}
svg text{font-size:10px;fill:#777;text-anchor:middle}line.event{stroke:#e08a00;stroke-width:1.5}
text.event{fill:#e08a00;text-anchor:start;font-weight:600}
svg.limits{background:#fafafa;border:1px solid #eee;border-top:0}path.limit{fill:none;stroke:#2b6cb0;stroke-width:1.5}
path.inflight{fill:none;stroke:#3a9d5d;stroke-width:1}text.limit{fill:#2b6cb0;text-anchor:end}text.inflight{fill:#3a9d5d;text-anchor:end}
</style></head><body>
<h1>goscale demo</h1><p>Seed ${meta.seed}${meta.quick ? ' (quick run)' : ''}. Every bar is one task over time (shared scale within a section): green succeeded, red failed; the dashed line is when the strategy finished. Lanes are packed greedily, so their number is the concurrency. Under an adaptive strategy, the blue line is its concurrency limit over time and the green one the tasks in flight.</p>
${sections.join('\n')}
</body></html>
`;
}
