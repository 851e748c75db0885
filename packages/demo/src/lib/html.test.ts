import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, packLanes, renderHtml, renderLimitSvg, renderTimelineSvg } from './html.js';
import type { Timeline } from './timeline.js';

/** A tiny well-formedness check: tags balance, attributes are quoted, no stray `<` or `&`. */
function parseXml(xml: string): { tags: Array<{ name: string; attrs: Record<string, string> }> } {
  const tags: Array<{ name: string; attrs: Record<string, string> }> = [];
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < xml.length && (m = re.exec(xml)) !== null) {
    at = re.lastIndex;
    const [, closing, name, attrText, selfClosing, text] = m;
    if (text !== undefined) {
      assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|apos);)/, `unescaped & in ${JSON.stringify(text)}`);
      continue;
    }
    if (closing) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    tags.push({ name: name!, attrs });
    if (!selfClosing) stack.push(name!);
  }
  assert.equal(at, xml.length, `cannot parse from offset ${at}: ${xml.slice(at, at + 40)}`);
  assert.deepEqual(stack, [], 'unclosed elements');
  return { tags };
}

const timeline: Timeline = {
  strategy: 'fixed batches <of> 2 & "more"',
  wallMs: 300,
  bars: [
    { start: 0, end: 100, outcome: 202, ok: true },
    { start: 0, end: 150, outcome: 503, ok: false },
    { start: 150, end: 200, outcome: 202, ok: true },
    { start: 150, end: 300, outcome: 202, ok: true },
  ],
  errors: { '503': 1 },
  clientPeakInFlight: 2,
  heapPeakBytes: 0,
  events: [{ at: 150, label: 'batch <2>' }],
};

describe('packLanes', () => {
  it('puts a bar in the first lane free at its start, so lanes equal peak concurrency', () => {
    assert.deepEqual(packLanes(timeline.bars), { lanes: [0, 1, 0, 1], count: 2 });
    assert.deepEqual(packLanes([]), { lanes: [], count: 0 });
  });
});

describe('renderTimelineSvg', () => {
  it('is well-formed SVG with one rect per task, inside the drawing, coloured by outcome', () => {
    const svg = renderTimelineSvg(timeline, 300);
    const { tags } = parseXml(svg);
    const root = tags[0]!;
    assert.equal(root.name, 'svg');
    assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
    assert.equal(root.attrs['data-strategy'], escapeXml(timeline.strategy));
    const width = Number(root.attrs.width);
    const height = Number(root.attrs.height);
    const bars = tags.filter((t) => t.name === 'rect');
    assert.equal(bars.length, timeline.bars.length);
    assert.deepEqual(
      bars.map((b) => b.attrs.class),
      ['bar ok', 'bar fail', 'bar ok', 'bar ok'],
    );
    for (const b of bars) {
      const x = Number(b.attrs.x);
      const y = Number(b.attrs.y);
      assert.ok(x >= 0 && x + Number(b.attrs.width) <= width + 0.01, `x = ${x} within ${width}`);
      assert.ok(y >= 0 && y + Number(b.attrs.height) <= height, `y = ${y} within ${height}`);
    }
    // The bar that waited for the straggler starts where the straggler ended: batches are visible.
    assert.equal(bars[2]!.attrs.x, bars[3]!.attrs.x);
    const marker = tags.find((t) => t.name === 'line' && t.attrs.class === 'event')!;
    assert.equal(marker.attrs.x1, bars[2]!.attrs.x);
  });
});

describe('renderLimitSvg', () => {
  it('draws the limit over time beside the in-flight count, on one scale, and nothing for a fixed strategy', () => {
    assert.equal(renderLimitSvg(timeline, 300), '');
    const adaptive: Timeline = {
      ...timeline,
      limits: [
        { at: 0, limit: 1 },
        { at: 100, limit: 4 },
      ],
    };
    const svg = renderLimitSvg(adaptive, 300);
    const { tags } = parseXml(svg);
    const paths = tags.filter((t) => t.name === 'path');
    assert.deepEqual(
      paths.map((p) => p.attrs.class),
      ['inflight', 'limit'],
    );
    // The limit steps from 1 to 4 at 100 ms (x = 10 + 100/300 * 880), then runs to the end (300 ms).
    assert.match(paths[1]!.attrs.d!, /^M10\.00,\d+\.\d+ H303\.33 V\d+\.\d+ H890\.00$/);
    // The scale's top is the larger of the peak in flight (2) and the highest limit (4).
    assert.match(svg, /peak 4\)/);
    assert.match(svg, /ends at 4/);
  });
});

describe('renderHtml', () => {
  it('is one self-contained document: no external scripts, styles or images', () => {
    const html = renderHtml(
      [
        {
          section: 1,
          title: 'Worker <pools>',
          measurements: {},
          tables: [{ title: 't', columns: ['a', 'b'], rows: [['x & y', '1']] }],
          timelines: [timeline],
          conclusions: [{ ok: true, text: 'it <worked>', claim: '10x' }],
        },
      ],
      { seed: 42, quick: true },
    );
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script|<link|src=|href=/);
    assert.equal(html.match(/<svg /g)?.length, 1);
    assert.match(html, /it &lt;worked&gt;/);
    assert.match(html, /x &amp; y/);
    const body = /<body>([\s\S]*)<\/body>/.exec(html)![1]!.replace(/<!doctype[^>]*>/, '');
    parseXml(body.replace(/\n/g, ''));
  });
});
