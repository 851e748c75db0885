import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FrameEvent, ResultEvent } from './protocol.js';
import { startDashboard } from './server.js';
import { gatedRunner, post, readEvents } from './test-helpers.js';

describe('dashboard server', () => {
  const closing: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closing) await close();
  });

  it('answers a bad section with 400 or 404 naming the value, and serves the page and its assets', async () => {
    const dashboard = await startDashboard({ seed: 42, quick: true });
    closing.push(() => dashboard.close());
    assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(await post(dashboard.url, 'api/run?section=9'), {
      status: 404,
      body: { error: 'no section `9`: the sections are 1, 2, 3, 4, 5, 6' },
    });
    assert.deepEqual(await post(dashboard.url, 'api/run?section=two'), {
      status: 400,
      body: { error: 'expected ?section= to be a section number, got `two`' },
    });
    assert.deepEqual(await post(dashboard.url, 'api/run'), {
      status: 400,
      body: { error: 'expected ?section= to be a section number, got ``' },
    });
    assert.equal((await post(dashboard.url, 'api/run?section=1&quick=yes')).status, 400);
    const get = await fetch(new URL('api/run?section=1', dashboard.url));
    assert.equal(get.status, 405);
    for (const [path, type] of [
      ['', 'text/html'],
      ['app.js', 'text/javascript'],
      ['style.css', 'text/css'],
    ] as const) {
      const res = await fetch(new URL(path, dashboard.url));
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', new RegExp(`^${type}`), path);
      // Offline and CDN-free: the page refers to nothing outside this server.
      assert.doesNotMatch(await res.text(), /(src|href)=["']?(https?:)?\/\//, path);
    }
    assert.equal((await fetch(new URL('nope', dashboard.url))).status, 404);
  });

  it('refuses a second run while one is going with 409 and what is running, then accepts one after', async () => {
    const gated = gatedRunner();
    const dashboard = await startDashboard({ seed: 42, quick: true, runSection: gated.run });
    closing.push(() => dashboard.close());
    assert.equal((await post(dashboard.url, 'api/run?section=2')).status, 202);
    const refused = await post(dashboard.url, 'api/run?section=3');
    assert.equal(refused.status, 409);
    assert.match(
      refused.body.error ?? '',
      /^section 2 \(Fan-out\/fan-in\) is still running \(started [\d.]+ s ago\)/,
    );
    assert.equal(gated.started(), 1);
    const ended = readEvents(dashboard.url, (events) => events.some((e) => e.type === 'run-end'));
    await ended.connected;
    gated.open(new Error('stopped by the test'));
    const { events } = await ended.done;
    const end = events.find((e) => e.type === 'run-end');
    assert.deepEqual(end && { ok: end.ok, error: end.error }, { ok: false, error: 'stopped by the test' });
    assert.equal((await post(dashboard.url, 'api/run?section=3')).status, 202);
  });

  it('streams a run: every task starts then ends once, the bars match the result, and a reconnect replays', async () => {
    const dashboard = await startDashboard({ seed: 42, quick: true });
    closing.push(() => dashboard.close());
    const streamed = readEvents(dashboard.url, (events) => events.some((e) => e.type === 'run-end'));
    // Connected before the run starts, so it sees everything live.
    await streamed.connected;
    assert.equal((await post(dashboard.url, 'api/run?section=2')).status, 202);
    const { blocks, events } = await streamed.done;
    const boot = events[0]!.boot;
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => events[0]!.seq + i),
      'contiguous',
    );
    assert.deepEqual(
      blocks.filter((b) => b.data !== undefined).map((b) => b.id),
      events.map((e) => `${boot}.${e.seq}`),
    );
    const items = events.filter((e): e is FrameEvent => e.type === 'frame').flatMap((e) => e.items);
    const result = dashboard.results.get(2)!;
    result.timelines.forEach((timeline, i) => {
      const starts = items
        .filter((x) => x.kind === 'start' && x.timeline === i)
        .map((x) => x.kind === 'start' && x.task);
      const ends = items.filter((x) => x.kind === 'end' && x.timeline === i);
      assert.equal(ends.length, timeline.bars.length, timeline.strategy);
      assert.equal(new Set(starts).size, starts.length, 'each task starts once');
      for (const end of ends) {
        if (end.kind !== 'end') continue;
        // Every bar the page draws is a bar the run measured, ended after it started.
        assert.ok(
          timeline.bars.some((b) => Math.abs(b.start - end.start) < 0.01 && Math.abs(b.end - end.end) < 0.01),
        );
      }
    });
    const resultEvent = events.find((e): e is ResultEvent => e.type === 'result')!;
    assert.deepEqual(resultEvent.conclusions, result.conclusions);
    assert.deepEqual(resultEvent.tables, result.tables);

    // A client that saw up to the run's start gets exactly the rest again, in order, from the Broker's history.
    const start = events.find((e) => e.type === 'run-start')!;
    const replay = await readEvents(
      dashboard.url,
      (got) => got.some((e) => e.type === 'run-end'),
      `${boot}.${start.seq}`,
    ).done;
    assert.deepEqual(
      replay.events.map((e) => e.seq),
      events.filter((e) => e.seq > start.seq).map((e) => e.seq),
    );

    // An id from another server (a restart) cannot be replayed: the Broker says so instead of leaving a gap.
    const reset = await readEvents(
      dashboard.url,
      (_events, got) => got.some((b) => b.event !== undefined),
      'restarted.7',
    ).done;
    const notice = reset.blocks.find((b) => b.event !== undefined)!;
    assert.equal(notice.event, 'goscale-reset');
    assert.deepEqual(JSON.parse(notice.data!), { lastEventId: 'restarted.7' });
    const state = (await (await fetch(new URL('api/state', dashboard.url))).json()) as {
      boot: string;
      seq: number;
      events: Array<{ seq: number }>;
    };
    // It resumes from the newest event, which the page then loads with GET /api/state.
    assert.equal(notice.id, `${boot}.${state.seq}`);
    assert.equal(state.boot, boot);
    assert.ok(state.events.some((e) => e.seq === start.seq));
  });
});
