import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { startDashboard, type Dashboard } from './server.js';
import { gatedRunner } from './test-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const found = existsSync(CHROMIUM);
// Without Chromium the page cannot be tested: say how to get it and skip, except in CI, where it must be there.
const skip = !found && process.env.CI !== 'true';
if (skip) process.stderr.write(`dashboard page tests skipped: no ${CHROMIUM}; apt-get install chromium\n`);

describe('the dashboard page in Chromium', { skip }, () => {
  let browser: Browser;
  const dashboards: Dashboard[] = [];
  const pageErrors: string[] = [];
  const open = async (options: Parameters<typeof startDashboard>[0]): Promise<Dashboard> => {
    const dashboard = await startDashboard(options);
    dashboards.push(dashboard);
    return dashboard;
  };
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  };

  before(async () => {
    assert.ok(found, `no ${CHROMIUM}: apt-get install chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    for (const d of dashboards) await d.close();
    assert.deepEqual(pageErrors, []);
  });

  it('runs section 1 live: bars grow while tasks run, one bar per measured task, the run’s conclusions', async () => {
    const dashboard = await open({ seed: 42, quick: true });
    const page = await newPage();
    await page.goto(dashboard.url);
    await page.locator('#conn[data-state="live"]').waitFor();
    const slide = page.locator('.section[data-section="1"]');
    await page.keyboard.press('1');
    // Drawn while the tasks run, not after: a bar still growing.
    await slide.locator('rect.bar.running').first().waitFor({ timeout: 15_000 });
    await page.locator('.section[data-section="1"][data-state="done"]').waitFor({ timeout: 30_000 });

    const result = dashboard.results.get(1)!;
    const measured = result.timelines.map((t) => t.bars.length);
    const drawn = await slide
      .locator('figure.timeline')
      .evaluateAll((figures) => figures.map((f) => f.querySelectorAll('rect.bar').length));
    assert.deepEqual(drawn, measured);
    assert.equal(await slide.locator('rect.bar.running').count(), 0);
    const failedDrawn = await slide.locator('rect.bar.fail').count();
    assert.equal(failedDrawn, result.timelines.flatMap((t) => t.bars).filter((b) => !b.ok).length);
    const names = await slide.locator('figure.timeline .name').allTextContents();
    assert.deepEqual(
      names,
      result.timelines.map((t) => t.strategy),
    );

    const shown = await slide.locator('.conclusions li').evaluateAll((items) =>
      items.map((li) => ({
        ok: li.classList.contains('ok'),
        text: li.querySelector('.text')?.textContent,
      })),
    );
    assert.deepEqual(
      shown,
      result.conclusions.map((c) => ({ ok: c.ok, text: c.text })),
    );
    const captions = await slide.locator('table caption').allTextContents();
    assert.deepEqual(
      captions,
      result.tables.map((t) => t.title),
    );
    const firstRow = await slide
      .locator('table')
      .first()
      .locator('tbody tr')
      .first()
      .locator('td')
      .allTextContents();
    assert.deepEqual(firstRow, result.tables[0]!.rows[0]);

    const dir = await mkdtemp(path.join(tmpdir(), 'goscale-dashboard-'));
    const shot = path.join(dir, 'dashboard.png');
    // Let the conclusions' fade-in finish before the picture.
    await page.waitForTimeout(1200);
    await page.screenshot({ path: shot });
    assert.ok((await stat(shot)).size > 10_000);
    // `DASHBOARD_SCREENSHOT=docs/dashboard.png npm test` refreshes the README's picture from this run.
    if (process.env.DASHBOARD_SCREENSHOT) await copyFile(shot, process.env.DASHBOARD_SCREENSHOT);
  });

  it('refuses a second run while one is going and shows the server’s reason; shows a failed run', async () => {
    const gated = gatedRunner();
    const dashboard = await open({ seed: 42, quick: true, runSection: gated.run });
    const page = await newPage();
    await page.goto(dashboard.url);
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.keyboard.press('2');
    await page.locator('.section[data-section="2"][data-state="running"]').waitFor();
    const refused = page.waitForResponse((r) => r.url().includes('/api/run') && r.status() === 409);
    await page.keyboard.press('Enter');
    const body = (await (await refused).json()) as { error: string };
    assert.match(body.error, /^section 2 \(Fan-out\/fan-in\) is still running/);
    await page.locator('#notice', { hasText: body.error }).waitFor();
    assert.equal(gated.started(), 1);

    gated.open(new Error('stopped by the test'));
    await page.locator('.section[data-section="2"][data-state="failed"]').waitFor();
    assert.match(
      (await page.locator('.section[data-section="2"] .status').textContent()) ?? '',
      /failed after .*: stopped by the test/,
    );
  });

  it('talk mode: the clocks run against each budget and turn amber then red; arrow keys move through the talk', async () => {
    const dashboard = await open({ seed: 42, quick: true });
    const page = await newPage();
    await page.clock.install({ time: new Date('2026-12-01T10:00:00Z') });
    await page.goto(`${dashboard.url}#talk`);
    await page.locator('body[data-slide="intro"]').waitFor();
    // From here on, time moves only when the test says so.
    await page.clock.pauseAt(new Date('2026-12-01T10:01:00Z'));
    const slideClock = page.locator('#slide-clock');
    const talkClock = page.locator('#talk-clock');
    const read = async (): Promise<string[]> => [
      (await slideClock.locator('.time').textContent())!,
      (await slideClock.getAttribute('data-colour'))!,
      (await talkClock.locator('.time').textContent())!,
      (await talkClock.getAttribute('data-colour'))!,
    ];
    assert.deepEqual(await read(), ['0:00', 'neutral', '0:00', 'neutral']);
    await page.keyboard.press('s');
    assert.deepEqual(await read(), ['0:00', 'green', '0:00', 'green']);
    // The introduction's budget is 2 minutes: amber from 80% of it (1:36), red at 2:00.
    await page.clock.runFor(95_000);
    assert.deepEqual(await read(), ['1:35', 'green', '1:35', 'green']);
    await page.clock.runFor(1_000);
    assert.deepEqual(await read(), ['1:36', 'amber', '1:36', 'green']);
    await page.clock.runFor(24_000);
    assert.deepEqual(await read(), ['2:00', 'red', '2:00', 'green']);

    await page.keyboard.press('ArrowRight');
    await page.locator('body[data-slide="s1"]').waitFor();
    assert.equal(await slideClock.locator('.budget').textContent(), '/ 6:00');
    assert.deepEqual(await read(), ['0:00', 'green', '2:00', 'green']);
    // The whole talk aims at 22–23 minutes: amber from 22:00, red from 23:00.
    await page.clock.runFor(20 * 60_000);
    assert.deepEqual(await read(), ['20:00', 'red', '22:00', 'amber']);
    await page.clock.runFor(60_000);
    assert.deepEqual(await read(), ['21:00', 'red', '23:00', 'red']);

    // Back to the introduction: its own time was kept.
    await page.keyboard.press('ArrowLeft');
    await page.locator('body[data-slide="intro"]').waitFor();
    assert.deepEqual(await read(), ['2:00', 'red', '23:00', 'red']);

    const seen = [await page.locator('body').getAttribute('data-slide')];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('ArrowRight');
      seen.push(await page.locator('body').getAttribute('data-slide'));
    }
    assert.deepEqual(seen, [
      'intro',
      's1',
      's2',
      's3',
      's4',
      's5',
      'conclusion',
      's6',
      'q-errgroup',
      'q-memory',
      'q-testing',
      'q-batch-size',
      'q-channels',
    ]);
    // No section ran: the questions say which would measure their numbers, and show none.
    assert.equal(await page.locator('.question h1').textContent(), 'Why not use channels everywhere?');
    assert.equal(await page.locator('.question .facts').count(), 0);
    assert.equal(
      await page.locator('.question .missing').textContent(),
      "Run section 2 for this run's numbers.",
    );
  });

  it('a backup slide shows the numbers this run measured', async () => {
    const dashboard = await open({ seed: 42, quick: true });
    const page = await newPage();
    await page.goto(`${dashboard.url}#talk`);
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.keyboard.press('1');
    await page.locator('.section[data-section="1"][data-state="done"]').waitFor({ timeout: 30_000 });
    await page.locator('#tabs button[data-slide="q-memory"]').click();
    const m = dashboard.results.get(1)!.measurements as { strategies: Array<{ name: string }> };
    const labels = await page.locator('.question .facts td:first-child').allTextContents();
    assert.deepEqual(
      labels,
      m.strategies.map((s) => `§1 peak heap, ${s.name}`),
    );
  });

  it('reconnects by itself after the server restarts, and loads the new server’s state', async () => {
    const gated = gatedRunner();
    const first = await open({ seed: 42, quick: true, runSection: gated.run });
    const page = await newPage();
    const requests: Request[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/events')) requests.push(r);
    });
    await page.goto(first.url);
    await page.locator('#conn[data-state="live"]').waitFor();
    const firstBoot = await page.locator('body').getAttribute('data-boot');
    // Events through the stream, so the page has a last event id to resume from.
    await page.keyboard.press('3');
    await page.locator('.section[data-section="3"][data-state="running"]').waitFor();
    gated.open(new Error('stopped by the test'));
    await page.locator('.section[data-section="3"][data-state="failed"]').waitFor();
    await first.close();
    await page.locator('#conn[data-state="connecting"]').waitFor();
    const second = await open({ seed: 42, quick: true, port: first.port });
    await page.locator(`body[data-boot]:not([data-boot="${firstBoot}"])`).waitFor({ timeout: 15_000 });
    await page.locator('#conn[data-state="live"]').waitFor();
    // It asked to resume where it was, with an id of the first server, which the second could not replay.
    const sent = await Promise.all(
      requests.map(
        async (r) =>
          (await r.allHeaders())['last-event-id'] ?? new URL(r.url()).searchParams.get('lastEventId'),
      ),
    );
    assert.ok(
      sent.some((id) => id?.startsWith(`${firstBoot}.`)),
      JSON.stringify(sent),
    );
    const state = (await (await fetch(new URL('api/state', second.url))).json()) as { boot: string };
    assert.equal(await page.locator('body').getAttribute('data-boot'), state.boot);
    // The new server has run nothing, and the page says so rather than keep the old run's numbers.
    assert.equal(await page.locator('.section[data-section="3"]').getAttribute('data-state'), 'idle');
  });
});
