// Checks `monolint map --format html` pages in headless Chromium: the page loads offline
// without errors, opens collapsed, its boxes are visible and do not overlap, lines join
// visible boxes, opening a folder or a DAG and searching work; writes screenshots.
//
// Usage: node scripts/test-map-browser.js OUT_DIR NAME=PAGE.html [NAME=PAGE.html ...]
// Needs playwright-core (NODE_PATH) and Chromium (CHROMIUM, default /usr/bin/chromium).
'use strict';

const path = require('path');
const { chromium } = require('playwright-core');

const out = process.argv[2];
const pages = process.argv.slice(3).map((arg) => arg.split('='));

function fail(name, message) {
  throw new Error(`${name}: ${message}`);
}

// Runs in the page: the visible boxes, and every pair of them that overlaps, every box that
// leaves its column, every badge or name that leaves its box, every line whose ends are not
// visible boxes.
function layoutProblems() {
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const canvas = document.getElementById('canvas');
  const boxes = Array.from(canvas.querySelectorAll('.dag > .head, .task, .folder > .head, .model, .root'))
    .filter(visible)
    .map((el) => ({ el, r: el.getBoundingClientRect(), id: (el.closest('[id]') || el).id }));
  const problems = [];
  const sorted = boxes.slice().sort((a, b) => a.r.top - b.r.top);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].r.top < sorted[i].r.bottom; j++) {
      const a = sorted[i].r, b = sorted[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) problems.push(`overlap ${sorted[i].id} / ${sorted[j].id}`);
    }
  }
  for (const box of boxes) {
    const column = box.el.closest('.column').getBoundingClientRect();
    if (box.r.left < column.left - 0.5 || box.r.right > column.right + 0.5) problems.push(`${box.id} leaves its column`);
    if (box.r.width < 20 || box.r.height < 10) problems.push(`${box.id} is too small to see`);
    for (const part of box.el.querySelectorAll(':scope > .name, :scope > .marks .mark, :scope > .count, :scope > .meta')) {
      if (!visible(part)) continue;
      const p = part.getBoundingClientRect();
      if (p.left < box.r.left - 0.5 || p.right > box.r.right + 0.5 || p.top < box.r.top - 0.5 || p.bottom > box.r.bottom + 0.5) {
        problems.push(`${box.id}: ${part.className} leaves its box`);
      }
    }
  }
  const paths = Array.from(document.querySelectorAll('#lines path'));
  for (const p of paths) {
    for (const end of [p.dataset.from, p.dataset.to]) {
      const el = document.getElementById(end);
      if (!el || !visible(el)) problems.push(`a line ends at ${end}, not on screen`);
    }
  }
  return { boxes: boxes.length, lines: paths.length, problems: problems.slice(0, 20), count: problems.length };
}

async function check(browser, name, file) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = [], requests = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith('file:')) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  const started = Date.now();
  await page.goto('file://' + path.resolve(file));
  const loaded = Date.now() - started;
  const report = { name, load_ms: loaded };
  const layout = async (step) => {
    const result = await page.evaluate(layoutProblems);
    if (result.count) fail(name, `${step}: ${result.count} layout problems: ${result.problems.join('; ')}`);
    if (!result.lines) fail(name, `${step}: no line drawn`);
    report[step] = { boxes: result.boxes, lines: result.lines };
  };

  // Collapsed: DAG and folder boxes only.
  const closed = await page.evaluate(() => ({
    dags: document.querySelectorAll('.dag').length,
    open: document.querySelectorAll('.head[aria-expanded="true"]').length,
    shownTasks: Array.from(document.querySelectorAll('.task')).filter((t) => t.getClientRects().length).length,
    shownModels: Array.from(document.querySelectorAll('.model')).filter((m) => m.getClientRects().length).length,
    models: document.querySelectorAll('.model').length,
  }));
  if (closed.open || closed.shownTasks || closed.shownModels) fail(name, `not collapsed: ${JSON.stringify(closed)}`);
  report.dags = closed.dags;
  report.models = closed.models;
  await layout('collapsed');
  await page.screenshot({ path: path.join(out, `${name}-collapsed.png`) });

  // Open the folder with the most findings, then its first subfolder, and a DAG with one.
  const folder = await page.evaluate(() => {
    const tops = Array.from(document.querySelectorAll('.column.folders > .folder'));
    const weight = (f) => f.querySelectorAll(':scope > .head .mark').length * 1000 - f.querySelectorAll('.model').length;
    tops.sort((a, b) => weight(b) - weight(a));
    return tops[0].id;
  });
  await page.click(`#${folder} > .head`);
  const inner = await page.evaluate((id) => {
    const box = document.getElementById(id);
    const sub = box.querySelector(':scope > .children > .folder');
    return { open: box.firstElementChild.getAttribute('aria-expanded'), sub: sub && sub.id };
  }, folder);
  if (inner.open !== 'true') fail(name, `${folder} did not open`);
  if (inner.sub) await page.click(`#${inner.sub} > .head`);
  const linesIn = await page.evaluate((id) => Array.from(document.querySelectorAll('#lines path'))
    .filter((p) => document.getElementById(id).contains(document.getElementById(p.dataset.to))).length, folder);
  if (!linesIn) fail(name, `no line reaches into the opened ${folder}`);
  const dag = await page.evaluate(() => {
    const dags = Array.from(document.querySelectorAll('.dag'));
    const marked = dags.find((d) => d.querySelector(':scope > .head .mark.error')) || dags.find((d) => d.querySelector(':scope > .head .mark')) || dags[0];
    return marked.id;
  });
  await page.click(`#${dag} > .head`);
  const tasks = await page.evaluate((id) => Array.from(document.querySelectorAll(`#${id} .task`)).filter((t) => t.getClientRects().length).length, dag);
  if (!tasks) fail(name, `${dag} shows no task once open`);
  report.opened = { folder, subfolder: inner.sub, dag, tasks };
  await layout('opened');
  await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: 'nearest' }), folder);
  await page.hover(`#${folder} > .head`);
  await page.screenshot({ path: path.join(out, `${name}-opened.png`) });
  await page.mouse.move(0, 0);

  // Search a model by name: it shows (its folders open), with only the DAGs that run it.
  const target = await page.evaluate(() => {
    const models = Array.from(document.querySelectorAll('.model'));
    // A model with a finding that two tasks run (built twice), else one no DAG runs.
    const runBy = (m) => (m.dataset.runs || '').split(' ').filter(Boolean).length;
    const pick = models.find((m) => runBy(m) >= 2 && m.querySelector('.mark'))
      || models.find((m) => m.classList.contains('unscheduled'))
      || models[Math.floor(models.length / 2)];
    return { id: pick.id, name: pick.dataset.name, runs: pick.dataset.runs };
  });
  await page.fill('#search', target.name);
  await page.waitForFunction((id) => document.getElementById(id).classList.contains('hit'), target.id);
  await page.waitForTimeout(50);
  const found = await page.evaluate((t) => {
    const model = document.getElementById(t.id);
    const shownDags = Array.from(document.querySelectorAll('.dag')).filter((d) => d.getClientRects().length);
    // Every DAG left matches, or runs a matching model (or a model of a matching folder).
    const kept = new Set();
    for (const hit of document.querySelectorAll('.model.hit, .folder.hit .model')) {
      for (const n of (hit.dataset.runs || '').split(' ').filter(Boolean)) kept.add(document.getElementById('t' + n).closest('.dag'));
    }
    const unexplained = shownDags.filter((d) => !kept.has(d) && !d.classList.contains('hit') && !d.querySelector('.task.hit'));
    return {
      shown: model.getClientRects().length > 0,
      count: document.getElementById('search-count').textContent,
      dags: shownDags.length,
      unexplained: unexplained.map((d) => d.id),
    };
  }, target);
  if (!found.shown) fail(name, `searching ${target.name}: the model is not shown`);
  if (!found.count) fail(name, `searching ${target.name}: no match count`);
  if (found.unexplained.length) fail(name, `searching ${target.name}: DAGs shown that do not match: ${found.unexplained}`);
  report.search_model = { query: target.name, ...found };
  const searched = await page.evaluate(layoutProblems);
  if (searched.count) fail(name, `search: ${searched.problems.join('; ')}`);
  await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: 'center' }), target.id);
  await page.screenshot({ path: path.join(out, `${name}-search.png`) });

  // Search a DAG by name, then clear: the earlier view comes back.
  const dagName = await page.evaluate((id) => document.getElementById(id).dataset.name, dag);
  await page.fill('#search', dagName);
  await page.waitForFunction((id) => document.getElementById(id).classList.contains('hit'), dag);
  const dagSearch = await page.evaluate((id) => ({
    shown: document.getElementById(id).getClientRects().length > 0,
    otherDags: Array.from(document.querySelectorAll('.dag')).filter((d) => d.id !== id && d.getClientRects().length && !d.classList.contains('hit') && !d.querySelector('.task.hit')).length,
  }), dag);
  if (!dagSearch.shown || dagSearch.otherDags) fail(name, `searching DAG ${dagName}: ${JSON.stringify(dagSearch)}`);
  await page.fill('#search', '');
  await page.waitForFunction(() => !document.querySelector('.hit'));
  const restored = await page.evaluate((ids) => ids.map((id) => document.getElementById(id).firstElementChild.getAttribute('aria-expanded')), [folder, dag]);
  if (restored.join() !== 'true,true') fail(name, `clearing the search did not restore the view: ${restored}`);
  report.search_dag = { query: dagName, ...dagSearch };

  // Everything open: still no overlap; how long drawing takes.
  const t0 = Date.now();
  await page.click('#expand-all');
  report.expand_all_ms = Date.now() - t0;
  await layout('expanded');
  await page.click('#collapse-all');
  await layout('collapsed_again');
  if (errors.length) fail(name, `errors: ${errors.join('; ')}`);
  if (requests.length) fail(name, `network requests: ${requests.join(', ')}`);
  await page.close();
  return report;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  let failed = false;
  for (const [name, file] of pages) {
    try {
      console.log(JSON.stringify(await check(browser, name, file)));
    } catch (error) {
      failed = true;
      console.error(`FAIL ${error.message}`);
    }
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
})();
