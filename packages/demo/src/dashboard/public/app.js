// The dashboard page: plain browser JavaScript, no build step, nothing fetched from outside this server.
//
// State comes from two places only: GET /api/state (each section's latest run, as the events that made it) and the
// event stream at /events (goscale's Broker). Every number drawn here arrived in one of those events; the page
// computes nothing but lanes and pixels. Nothing below names a section: timelines, tables and conclusions are drawn
// from their generic shapes (see protocol.ts).

const SVG = 'http://www.w3.org/2000/svg';
const AMBER_AT = 0.8; // a slide's clock turns amber at 80% of its budget, red past it
const CLOCK_KEY = 'goscale-talk-clock';

/** Builds an element: el('td', { class: 'num' }, 'text', child). */
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:')
    ? document.createElementNS(SVG, tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.max(0, ms).toFixed(0)} ms`;
}

function fmtClock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function niceStep(maxMs) {
  const raw = Math.max(1, maxMs) / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

/** One strategy's live timeline: a bar per task, packed into lanes as tasks start, growing while they run. */
class TimelineView {
  constructor(name) {
    this.name = name;
    this.bars = new Map(); // task -> { rect, start, end, lane }
    this.running = new Set();
    this.laneEnds = []; // per lane: when its last bar ended (Infinity while it runs)
    this.done = 0;
    this.failed = 0;
    this.wallMs = undefined;
    this.clock = { now: 0, at: performance.now() };
    this.lastMax = -1;
    this.group = el('svg:g');
    this.markers = el('svg:g');
    this.endLine = el('svg:line', {
      class: 'end',
      'vector-effect': 'non-scaling-stroke',
      visibility: 'hidden',
    });
    this.svg = el(
      'svg:svg',
      { preserveAspectRatio: 'none', viewBox: '0 0 1 1' },
      this.group,
      this.markers,
      this.endLine,
    );
    this.axis = el('div', { class: 'axis' });
    this.labels = el('div');
    this.stats = el('span', { class: 'stats' });
    this.root = el(
      'figure',
      { class: 'timeline', 'data-state': 'running' },
      el('figcaption', {}, el('span', { class: 'name' }, name), this.stats),
      el('div', { class: 'plot' }, this.svg, this.labels),
      this.axis,
    );
  }

  #lane(at) {
    let lane = this.laneEnds.findIndex((end) => end <= at);
    if (lane < 0) lane = this.laneEnds.push(Infinity) - 1;
    else this.laneEnds[lane] = Infinity;
    return lane;
  }

  start(task, at) {
    const lane = this.#lane(at);
    const rect = el('svg:rect', { class: 'bar running', x: at, y: lane, width: 0, height: 0.82 });
    this.group.append(rect);
    const bar = { rect, start: at, end: undefined, lane };
    this.bars.set(task, bar);
    this.running.add(bar);
  }

  end(item) {
    let bar = this.bars.get(item.task);
    if (bar === undefined) {
      // A task that never ran (or never finished): it arrives whole.
      this.start(item.task, item.start);
      bar = this.bars.get(item.task);
    }
    bar.end = item.end;
    this.running.delete(bar);
    this.laneEnds[bar.lane] = item.end;
    bar.rect.setAttribute('class', `bar ${item.ok ? 'ok' : 'fail'}`);
    bar.rect.setAttribute('width', String(Math.max(0, item.end - bar.start)));
    bar.rect.append(el('svg:title', {}, `${item.outcome}: ${fmtMs(bar.start)} – ${fmtMs(item.end)}`));
    this.done++;
    if (!item.ok) this.failed++;
  }

  marker(at, label) {
    this.markers.append(
      el('svg:line', {
        class: 'marker',
        x1: at,
        x2: at,
        y1: 0,
        y2: 1e6,
        'vector-effect': 'non-scaling-stroke',
      }),
    );
    const tag = el('span', { class: 'marker-label', 'data-at': at }, label);
    this.labels.append(tag);
  }

  finish(wallMs) {
    this.wallMs = wallMs;
    this.root.dataset.state = 'done';
    this.endLine.setAttribute('visibility', 'visible');
  }

  setClock(now) {
    this.clock = { now, at: performance.now() };
  }

  /** Where this timeline's clock is now: the last clock from the server, moved on by the time since (≤ 0.5 s). */
  now() {
    if (this.wallMs !== undefined) return this.wallMs;
    return this.clock.now + Math.min(500, performance.now() - this.clock.at);
  }

  draw(maxMs) {
    const now = this.now();
    for (const bar of this.running) bar.rect.setAttribute('width', String(Math.max(0, now - bar.start)));
    const lanes = Math.max(1, this.laneEnds.length);
    this.svg.setAttribute('viewBox', `0 0 ${maxMs} ${lanes}`);
    // A lane per task running at once: few lanes stay readable, a thousand become one solid block.
    this.svg.style.height = `${Math.min(9, Math.max(2.2, lanes * 0.3))}em`;
    if (this.wallMs !== undefined) {
      for (const k of ['x1', 'x2']) this.endLine.setAttribute(k, String(this.wallMs));
      this.endLine.setAttribute('y1', '0');
      this.endLine.setAttribute('y2', String(lanes));
    }
    if (Math.abs(maxMs - this.lastMax) > maxMs * 0.01) {
      this.lastMax = maxMs;
      const step = niceStep(maxMs);
      const ticks = [];
      for (let t = 0; t <= maxMs; t += step) {
        ticks.push(
          el('span', { style: `left:${(t / maxMs) * 100}%` }, t >= 1000 ? `${t / 1000} s` : `${t} ms`),
        );
      }
      this.axis.replaceChildren(...ticks);
      for (const tag of this.labels.children) tag.style.left = `${(Number(tag.dataset.at) / maxMs) * 100}%`;
    }
    const total = this.bars.size;
    const failed = this.failed > 0 ? ` · ${this.failed} failed` : '';
    this.stats.textContent =
      this.wallMs === undefined
        ? `${fmtMs(now)} · ${this.done}/${total} done · ${this.running.size} running${failed}`
        : `${fmtMs(this.wallMs)} · ${total} tasks${failed}`;
  }
}

/** Numbers right-aligned, as in the terminal. */
const NUMERIC = /^[-+>]?\s?[\d.,]+\s?(ms|s|x|%|B|KiB|MiB)?$/;

function tableEl(table) {
  return el(
    'table',
    {},
    el('caption', {}, table.title),
    el('thead', {}, el('tr', {}, ...table.columns.map((c) => el('th', {}, c)))),
    el(
      'tbody',
      {},
      ...table.rows.map((row) =>
        el(
          'tr',
          {},
          ...row.map((cell, i) => el('td', { class: i > 0 && NUMERIC.test(cell) ? 'num' : undefined }, cell)),
        ),
      ),
    ),
  );
}

function conclusionsEl(conclusions) {
  return el(
    'ul',
    { class: 'conclusions' },
    ...conclusions.map((c, i) =>
      el(
        'li',
        { class: c.ok ? 'ok' : 'no', style: `animation-delay:${i * 0.12}s` },
        el('span', { class: 'mark' }, c.ok ? '✔' : '✘'),
        el(
          'span',
          {},
          el('span', { class: 'text' }, c.text),
          c.claim ? el('span', { class: 'claim' }, `talk: “${c.claim}”`) : null,
        ),
      ),
    ),
  );
}

/** A section's slide: its latest run, drawn live. Kept while other slides show, so a run goes on drawing. */
class SectionView {
  constructor(section, title) {
    this.section = section;
    this.title = title;
    this.timelines = [];
    this.result = undefined;
    this.run = undefined;
    this.state = 'idle';
    this.dirty = false;
    this.runButton = el('button', { class: 'run', 'data-run': section }, '▶ Run');
    this.runButton.addEventListener('click', () => startRun(section));
    this.status = el('span', { class: 'status', 'data-state': 'idle' }, 'not run yet: press Enter');
    this.plots = el('div', { class: 'timelines' });
    this.tables = el('div', { class: 'tables' });
    this.conclusions = el('div', { class: 'conclusions-box' });
    this.root = el(
      'section',
      { class: 'slide section', 'data-section': section, 'data-state': 'idle' },
      el('div', { class: 'slide-head' }, el('h1', {}, `${section}. ${title}`), this.runButton, this.status),
      el(
        'div',
        { class: 'section-body' },
        el('div', {}, this.plots, this.tables),
        el('div', {}, this.conclusions),
      ),
    );
    this.reset();
  }

  reset() {
    this.timelines = [];
    this.result = undefined;
    this.plots.replaceChildren(
      el(
        'p',
        { class: 'placeholder' },
        'Each task will be a bar over time, one lane per task running at once.',
      ),
    );
    this.tables.replaceChildren();
    this.conclusions.replaceChildren();
  }

  setStatus(state, text) {
    this.state = state;
    this.status.dataset.state = state;
    this.status.textContent = text;
    this.root.dataset.state = state;
    updateTabs();
  }

  onStart(ev) {
    this.reset();
    this.run = ev;
    this.plots.replaceChildren(
      el(
        'div',
        { class: 'legend' },
        el('i', { style: 'background:var(--run)' }),
        'running',
        el('i', { style: 'background:var(--ok)' }),
        'succeeded',
        el('i', { style: 'background:var(--fail)' }),
        'failed',
      ),
    );
    this.conclusions.replaceChildren(
      el('p', { class: 'placeholder' }, 'The conclusions appear once every strategy has been measured.'),
    );
    this.setStatus('running', `running${ev.quick ? ' (quick)' : ''} …`);
  }

  onFrame(ev) {
    this.dirty = true;
    for (const item of ev.items) {
      const t = this.timelines[item.timeline];
      switch (item.kind) {
        case 'strategy': {
          const view = new TimelineView(item.name);
          this.timelines[item.timeline] = view;
          this.plots.append(view.root);
          break;
        }
        case 'start':
          t?.start(item.task, item.at);
          break;
        case 'end':
          t?.end(item);
          break;
        case 'marker':
          t?.marker(item.at, item.label);
          break;
        case 'finish':
          t?.finish(item.wallMs);
          break;
        case 'clock':
          t?.setClock(item.now);
          break;
        case 'progress':
          // The server's progress line starts with the section's number and title, which the slide shows already.
          this.setStatus('running', item.text.replace(`${this.section}. ${this.title} · `, ''));
          break;
      }
    }
  }

  onResult(ev) {
    this.result = ev;
    this.tables.replaceChildren(...ev.tables.map(tableEl));
    this.conclusions.replaceChildren(conclusionsEl(ev.conclusions));
    if (currentSlide()?.kind === 'conclusion') showSlide();
  }

  onEnd(ev) {
    const when = this.run ? new Date(this.run.startedAt).toLocaleTimeString() : '';
    const how = this.run ? `${this.run.quick ? 'quick, ' : ''}seed ${this.run.seed}, at ${when}` : '';
    if (ev.ok) {
      const ok = this.result ? this.result.conclusions.filter((c) => c.ok).length : 0;
      const all = this.result ? this.result.conclusions.length : 0;
      this.setStatus('done', `measured in ${fmtMs(ev.ms)} (${how}) · ${ok} of ${all} conclusions backed`);
    } else {
      this.setStatus('failed', `failed after ${fmtMs(ev.ms)}: ${ev.error}`);
    }
  }

  draw() {
    const live = this.timelines.some((t) => t && t.wallMs === undefined);
    if (!live && !this.dirty) return;
    this.dirty = false;
    if (this.timelines.length === 0) return;
    const maxMs = Math.max(1, ...this.timelines.filter(Boolean).map((t) => t.now()));
    for (const t of this.timelines) t?.draw(maxMs);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Page state

const page = {
  boot: undefined,
  seq: 0,
  sections: [],
  talk: { plan: [], time: { aim: [22, 23], slot: 25 } },
  views: new Map(),
  backup: [],
  quick: false,
  mode: location.hash === '#talk' ? 'talk' : 'dashboard',
  slide: undefined, // id of the slide shown
};

function slides() {
  const sections = page.sections.map((s) => ({
    kind: 'section',
    id: `s${s.section}`,
    section: s.section,
    title: s.title,
  }));
  if (page.mode !== 'talk') return sections;
  const out = [];
  const planned = new Set();
  for (const part of page.talk.plan) {
    if (part.section !== undefined) {
      planned.add(part.section);
      const s = sections.find((x) => x.section === part.section);
      if (s) out.push({ ...s, tab: `${s.section}. ${part.title}`, minutes: part.minutes });
    } else {
      out.push({ kind: part.id, id: part.id, title: part.title, minutes: part.minutes });
    }
  }
  // Sections the plan gives no time (backup sections, such as many replicas) come after the conclusion, with the
  // questions: the talk's clock never counts on them.
  out.push(...sections.filter((s) => !planned.has(s.section)));
  page.backup.forEach((q, i) =>
    out.push({ kind: 'question', id: `q-${q.id}`, title: q.question, tab: `Q${i + 1}`, question: q }),
  );
  return out;
}

function currentSlide() {
  const all = slides();
  return all.find((s) => s.id === page.slide) ?? all[0];
}

function updateTabs() {
  const all = slides();
  const tabs = document.getElementById('tabs');
  const current = currentSlide();
  tabs.replaceChildren(
    ...all.map((s) => {
      const label = s.tab ?? (s.kind === 'section' ? `${s.section}. ${s.title}` : s.title);
      const button = el(
        'button',
        {
          'data-slide': s.id,
          title: s.title,
          'aria-current': s.id === current?.id ? 'true' : 'false',
          'data-status': s.kind === 'section' ? page.views.get(s.section)?.state : undefined,
        },
        label,
        page.mode === 'talk' && s.minutes ? el('span', { class: 'min' }, `${s.minutes}′`) : null,
      );
      button.addEventListener('click', () => go(s.id));
      return button;
    }),
  );
}

function introEl() {
  const parts = slides().filter((s) => s.minutes);
  const total = parts.reduce((a, s) => a + s.minutes, 0);
  return el(
    'section',
    { class: 'slide intro' },
    el('h1', { class: 'big' }, 'Go Concurrency at Scale'),
    el(
      'p',
      { class: 'sub' },
      'the patterns, in TypeScript with goscale — every number measured live, on this machine',
    ),
    el(
      'ol',
      { class: 'plan' },
      ...parts.map((s) => el('li', {}, s.title, ' ', el('span', { class: 'min' }, `${s.minutes} min`))),
    ),
    el(
      'p',
      { class: 'sub' },
      `${total} minutes; aim for ${page.talk.time.aim.join('–')} and leave the rest for questions.`,
    ),
  );
}

function conclusionEl() {
  const claims = [];
  for (const view of page.views.values()) {
    for (const c of view.result?.conclusions ?? []) if (c.claim) claims.push({ ...c, section: view.section });
  }
  return el(
    'section',
    { class: 'slide conclusion' },
    el('h1', { class: 'big' }, 'Conclusion'),
    el(
      'ul',
      { class: 'plan' },
      el('li', {}, 'Worker pools for bounded concurrency'),
      el('li', {}, 'Fan-out/fan-in for parallel processing'),
      el('li', {}, 'Rate limiting for external services'),
      el('li', {}, 'Graceful shutdown with cancellation'),
      el('li', {}, 'A case study combining them'),
    ),
    el('h2', {}, "The talk's claims, against this run"),
    claims.length === 0
      ? el('p', { class: 'placeholder' }, 'No section has run yet.')
      : conclusionsEl(claims.map((c) => ({ ...c, text: `§${c.section}: ${c.text}` }))),
  );
}

function questionEl(q) {
  return el(
    'section',
    { class: 'slide question', 'data-question': q.id },
    el('h1', { class: 'big' }, q.question),
    el('p', { class: 'answer' }, q.answer),
    q.facts.length > 0
      ? el(
          'table',
          { class: 'facts' },
          el('caption', {}, 'Measured in this run'),
          el(
            'tbody',
            {},
            ...q.facts.map((f) =>
              el(
                'tr',
                {},
                el('td', {}, f.section ? `§${f.section} ${f.label}` : f.label),
                el('td', { class: 'num' }, f.value),
              ),
            ),
          ),
        )
      : null,
    q.missing.length > 0
      ? el('p', { class: 'missing' }, `Run section ${q.missing.join(' and ')} for this run's numbers.`)
      : null,
  );
}

function showSlide() {
  const slide = currentSlide();
  if (!slide) return;
  page.slide = slide.id;
  document.body.dataset.slide = slide.id;
  const stage = document.getElementById('stage');
  let node;
  if (slide.kind === 'section') node = page.views.get(slide.section).root;
  else if (slide.kind === 'intro') node = introEl();
  else if (slide.kind === 'conclusion') node = conclusionEl();
  else if (slide.kind === 'question') node = questionEl(slide.question);
  else node = el('section', { class: 'slide' }, el('h1', { class: 'big' }, slide.title));
  if (stage.firstChild !== node) stage.replaceChildren(node);
  updateTabs();
  renderClocks();
}

function go(id) {
  clock.switchTo(id);
  page.slide = id;
  showSlide();
}

function step(delta) {
  const all = slides();
  const i = all.findIndex((s) => s.id === currentSlide()?.id);
  const next = all[Math.min(all.length - 1, Math.max(0, i + delta))];
  if (page.mode === 'talk' && delta > 0 && !clock.started) clock.start();
  if (next) go(next.id);
}

function setMode(mode) {
  page.mode = mode;
  document.body.dataset.mode = mode;
  document.getElementById('mode').setAttribute('aria-pressed', String(mode === 'talk'));
  document.getElementById('clocks').hidden = mode !== 'talk';
  history.replaceState(null, '', mode === 'talk' ? '#talk' : location.pathname);
  if (!slides().some((s) => s.id === page.slide)) page.slide = slides()[0]?.id;
  clock.switchTo(page.slide);
  showSlide();
}

function setQuick(quick) {
  page.quick = quick;
  document.getElementById('quick').setAttribute('aria-pressed', String(quick));
}

// ---------------------------------------------------------------------------------------------------------------
// The talk's clocks: time per slide (summed over visits) and for the whole talk, kept across reloads.

const clock = {
  started: undefined, // epoch ms when the talk clock started (undefined: not yet)
  pausedAt: undefined,
  spent: {}, // slide id -> ms
  current: undefined,
  since: undefined,
  load() {
    try {
      Object.assign(this, JSON.parse(localStorage.getItem(CLOCK_KEY) ?? '{}'));
    } catch {
      // A corrupt entry only loses the clocks.
    }
  },
  save() {
    const { started, pausedAt, spent, current, since } = this;
    localStorage.setItem(CLOCK_KEY, JSON.stringify({ started, pausedAt, spent, current, since }));
  },
  get running() {
    return this.started !== undefined && this.pausedAt === undefined;
  },
  start() {
    const now = Date.now();
    if (this.started === undefined) this.started = now;
    else if (this.pausedAt !== undefined) this.started += now - this.pausedAt;
    this.pausedAt = undefined;
    this.since = now;
    this.current = page.slide;
    this.save();
  },
  pause() {
    if (!this.running) return;
    this.bank();
    this.pausedAt = Date.now();
    this.save();
  },
  reset() {
    Object.assign(this, {
      started: undefined,
      pausedAt: undefined,
      spent: {},
      current: page.slide,
      since: undefined,
    });
    this.save();
  },
  bank() {
    if (this.running && this.current !== undefined && this.since !== undefined) {
      this.spent[this.current] = (this.spent[this.current] ?? 0) + Date.now() - this.since;
    }
    this.since = Date.now();
  },
  switchTo(id) {
    this.bank();
    this.current = id;
    this.save();
  },
  slideMs(id) {
    const extra =
      this.running && this.current === id && this.since !== undefined ? Date.now() - this.since : 0;
    return (this.spent[id] ?? 0) + extra;
  },
  totalMs() {
    if (this.started === undefined) return 0;
    return (this.pausedAt ?? Date.now()) - this.started;
  },
};

function colourOf(ms, budgetMs) {
  if (budgetMs === undefined) return 'neutral';
  if (ms >= budgetMs) return 'red';
  return ms >= budgetMs * AMBER_AT ? 'amber' : 'green';
}

function renderClocks() {
  if (page.mode !== 'talk') return;
  const slide = currentSlide();
  const slideClock = document.getElementById('slide-clock');
  const talkClock = document.getElementById('talk-clock');
  const ms = clock.slideMs(slide?.id);
  const budget = slide?.minutes ? slide.minutes * 60_000 : undefined;
  slideClock.dataset.colour = clock.started === undefined ? 'neutral' : colourOf(ms, budget);
  slideClock.querySelector('.time').textContent = fmtClock(ms);
  slideClock.querySelector('.budget').textContent = budget ? `/ ${slide.minutes}:00` : '';
  const total = clock.totalMs();
  const [from, to] = page.talk.time.aim;
  // The whole talk: green until the aim, amber within it, red once it eats into the questions.
  talkClock.dataset.colour =
    clock.started === undefined
      ? 'neutral'
      : total >= to * 60_000
        ? 'red'
        : total >= from * 60_000
          ? 'amber'
          : 'green';
  talkClock.querySelector('.time').textContent = fmtClock(total);
  talkClock.querySelector('.budget').textContent =
    `/ aim ${from}–${to}:00${clock.pausedAt !== undefined ? ' ⏸' : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Runs and notices

let noticeTimer;
function notice(text) {
  const box = document.getElementById('notice');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (box.hidden = true), 8000);
}

async function startRun(section) {
  try {
    const res = await fetch(`/api/run?section=${encodeURIComponent(section)}&quick=${page.quick}`, {
      method: 'POST',
    });
    if (!res.ok) {
      const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
      notice(body.error);
    }
  } catch (error) {
    notice(`could not reach the demo server: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Events: the state snapshot, then the stream; each event applied once, in order.

function viewOf(section, title) {
  let view = page.views.get(section);
  if (!view) {
    view = new SectionView(section, title ?? `Section ${section}`);
    page.views.set(section, view);
  }
  return view;
}

function dispatch(ev) {
  switch (ev.type) {
    case 'run-start':
      viewOf(ev.section, ev.title).onStart(ev);
      break;
    case 'frame':
      viewOf(ev.section).onFrame(ev);
      break;
    case 'result':
      viewOf(ev.section, ev.title).onResult(ev);
      break;
    case 'run-end':
      viewOf(ev.section).onEnd(ev);
      break;
    case 'backup': {
      page.backup = ev.slides;
      const slide = currentSlide();
      updateTabs();
      if (slide?.kind === 'question' || slide?.kind === 'conclusion') showSlide();
      break;
    }
  }
}

let pending; // events that arrived while the snapshot was loading
let lastId; // the id of the last event the stream gave us
let dropped = false; // the stream broke since it last opened
let source;

function applyState(state) {
  page.boot = state.boot;
  document.body.dataset.boot = state.boot;
  page.sections = state.sections;
  page.talk = state.talk;
  page.views = new Map();
  page.backup = [];
  for (const s of state.sections) viewOf(s.section, s.title);
  for (const ev of state.events) dispatch(ev);
  page.seq = state.seq;
  if (!slides().some((s) => s.id === page.slide)) page.slide = slides()[0]?.id;
  showSlide();
}

async function resync() {
  if (pending) return;
  pending = [];
  try {
    const state = await (await fetch('/api/state')).json();
    applyState(state);
    if (page.quickFromServer === undefined) {
      page.quickFromServer = state.quick;
      setQuick(state.quick);
    }
  } catch (error) {
    notice(`could not load the state: ${error.message}`);
  } finally {
    const later = pending;
    pending = undefined;
    for (const ev of later) apply(ev);
  }
}

function apply(ev) {
  if (pending) {
    pending.push(ev);
    return;
  }
  if (ev.boot !== page.boot || ev.seq > page.seq + 1) {
    // Another server, or a gap the replay could not fill: start again from the snapshot.
    void resync();
    return;
  }
  if (ev.seq <= page.seq) return;
  page.seq = ev.seq;
  dispatch(ev);
}

function connect() {
  const url = lastId ? `/events?lastEventId=${encodeURIComponent(lastId)}` : '/events';
  source = new EventSource(url);
  const conn = document.getElementById('conn');
  source.onopen = () => {
    conn.dataset.state = 'live';
    conn.textContent = 'live';
    // Back after a drop: the replay (or the reset notice) covers what we missed if we had seen an event; if we had
    // seen none, our reconnect carried no id, so reload the state to be sure.
    if (dropped && !lastId) void resync();
    dropped = false;
  };
  source.onmessage = (m) => {
    if (m.lastEventId) lastId = m.lastEventId;
    apply(JSON.parse(m.data));
  };
  // The Broker could not replay from our last id (it restarted, or we were away too long): reload the state.
  source.addEventListener('goscale-reset', (m) => {
    if (m.lastEventId) lastId = m.lastEventId;
    void resync();
  });
  source.onerror = () => {
    dropped = true;
    conn.dataset.state = 'connecting';
    conn.textContent = 'reconnecting';
    // EventSource retries by itself after a dropped stream; after a refused one (a 503) it gives up, so start over.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Keys, buttons, the drawing loop

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const slide = currentSlide();
  if (e.key === 'ArrowRight' || e.key === 'PageDown') step(1);
  else if (e.key === 'ArrowLeft' || e.key === 'PageUp') step(-1);
  else if (e.key === 'Enter' || e.key === 'r') {
    if (slide?.kind === 'section') void startRun(slide.section);
  } else if (/^[1-9]$/.test(e.key) && page.views.has(Number(e.key))) {
    go(`s${e.key}`);
    void startRun(Number(e.key));
  } else if (e.key === 'q') setQuick(!page.quick);
  else if (e.key === 't') setMode(page.mode === 'talk' ? 'dashboard' : 'talk');
  else if (e.key === 's') {
    if (clock.running) clock.pause();
    else clock.start();
    renderClocks();
  } else return;
  e.preventDefault();
});

document.getElementById('quick').addEventListener('click', () => setQuick(!page.quick));
document
  .getElementById('mode')
  .addEventListener('click', () => setMode(page.mode === 'talk' ? 'dashboard' : 'talk'));
document.getElementById('talk-clock').addEventListener('click', () => {
  if (clock.running) clock.pause();
  else clock.start();
  renderClocks();
});
document.getElementById('slide-clock').addEventListener('click', () => {
  if (confirm('Reset the talk clocks?')) clock.reset();
  renderClocks();
});

function frame() {
  for (const view of page.views.values()) view.draw();
  requestAnimationFrame(frame);
}

clock.load();
setMode(page.mode);
setInterval(renderClocks, 250);
connect();
void resync();
requestAnimationFrame(frame);
