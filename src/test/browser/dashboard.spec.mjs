// Drives the operator dashboard in Debian's headless Chromium, as an operator would.
//
//   node dashboard.spec.mjs <baseUrl> <token> [--scenario operate|narrow-keys] [--screenshot <path>]
//
// Expects a running cachegate with CACHEGATE_ADMIN_TOKEN=<token> that has served
// /universities?country=Germany, France and Japan. Exits 0 when every step passed, 1 otherwise
// (saying which step failed and why). Run by DashboardBrowserIT. Scenarios: operate (the default)
// signs in, checks the totals and purges an entry; narrow-keys checks that the keys stay readable
// in a window NARROW_WIDTH pixels wide.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const STEP_TIMEOUT_MS = 15_000;
const WHOLE_RUN_MS = 80_000; // the Java side gives up at 90 s
const COUNTRIES = ['germany', 'france', 'japan'];
const SCENARIOS = ['operate', 'narrow-keys'];
const NARROW_WIDTH = 765;
// Where a key may break across lines: after the characters that separate its parts, and before
// the { of its route (cachegate: v2: {universities: country= united+ states}).
const KEY_BREAKS = { after: ':=&+,', before: '{' };

const { baseUrl, token, screenshot, scenario } = parseArguments(process.argv.slice(2));
const problems = []; // errors the page raised, checked at the end

function parseArguments(args) {
  const positional = [];
  let screenshotPath = null;
  let scenarioName = 'operate';
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--screenshot') screenshotPath = args[++i];
    else if (args[i] === '--scenario') scenarioName = args[++i];
    else positional.push(args[i]);
  }
  if (positional.length !== 2 || screenshotPath === undefined || !SCENARIOS.includes(scenarioName)) {
    console.error(
      'usage: node dashboard.spec.mjs <baseUrl> <token> [--scenario operate|narrow-keys] [--screenshot <path>]');
    process.exit(2);
  }
  return {
    baseUrl: positional[0].replace(/\/$/, ''),
    token: positional[1],
    screenshot: screenshotPath,
    scenario: scenarioName,
  };
}

function step(text) {
  console.log(`[dashboard.spec] ${text}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The admin API as the page sees it, for checks independent of the page.
async function adminApi(path, options = {}) {
  const response = await fetch(`${baseUrl}/admin/api/${path}`, {
    ...options,
    headers: { Authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  check(response.ok, `${options.method ?? 'GET'} /admin/api/${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function storedKeys(route) {
  const keys = [];
  let cursor = '0';
  for (let page = 0; page < 100; page += 1) {
    const answer = await adminApi(`routes/${route}/entries?cursor=${encodeURIComponent(cursor)}&count=50`);
    keys.push(...answer.entries.map((entry) => entry.key));
    cursor = String(answer.cursor);
    if (cursor === '0') break;
  }
  return keys;
}

function rowFor(page, country) {
  return page.locator(`[data-testid="entry-row"][data-key$=":country=${country}}"]`);
}

async function openPage(context) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (error) => problems.push(`uncaught error in the page: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every non-2xx fetch ("Failed to load resource"); the wrong token causes one.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return page;
}

// For each key cell: the key, its tooltip and the parts of it (between KEY_BREAKS) that the
// browser broke across lines. Runs in the page.
function keyLayout(breaks) {
  return [...document.querySelectorAll('[data-testid="entry-key"]')].map((cell) => {
    const texts = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node);
    const key = texts.map((node) => node.data).join('');
    const position = (index) => {
      let start = 0;
      for (const node of texts) {
        if (index <= start + node.data.length) return [node, index - start];
        start += node.data.length;
      }
      throw new Error(`no character ${index} in ${key}`);
    };
    const parts = [];
    let part = '';
    for (const character of key) {
      if (breaks.before.includes(character) && part) {
        parts.push(part);
        part = '';
      }
      part += character;
      if (breaks.after.includes(character)) {
        parts.push(part);
        part = '';
      }
    }
    if (part) parts.push(part);
    const broken = [];
    let from = 0;
    for (const text of parts) {
      const range = document.createRange();
      range.setStart(...position(from));
      range.setEnd(...position(from + text.length));
      const lines = new Set(
        [...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)),
      );
      if (lines.size > 1) broken.push(text);
      from += text.length;
    }
    return { key, title: cell.title, broken };
  });
}

async function narrowKeys(context) {
  const page = await openPage(context);

  step('sign in and see the entries');
  await page.goto(`${baseUrl}/admin/`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('login-button').click();
  await page.getByTestId('dashboard').waitFor({ state: 'visible' });
  for (const country of COUNTRIES) await rowFor(page, country).waitFor({ state: 'visible' });

  step(`at ${NARROW_WIDTH} px wide, every key breaks only between its parts and shows whole on hover`);
  await page.setViewportSize({ width: NARROW_WIDTH, height: 860 });
  await page.waitForFunction((width) => document.documentElement.clientWidth <= width, NARROW_WIDTH);
  const cells = await page.evaluate(keyLayout, KEY_BREAKS);
  check(cells.length === COUNTRIES.length, `expected ${COUNTRIES.length} keys, the table shows ${cells.length}`);
  for (const cell of cells) {
    check(
      cell.broken.length === 0,
      `at ${NARROW_WIDTH} px the key ${cell.key} is broken inside ${cell.broken.map((t) => `"${t}"`).join(', ')}`,
    );
    check(cell.title === cell.key, `hovering the key ${cell.key} shows "${cell.title}"`);
  }

  if (screenshot) {
    const path = resolve(screenshot);
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path, fullPage: true });
    step(`screenshot written to ${path}`);
  }
  check(problems.length === 0, problems.join('\n'));
}

async function run(context) {
  if (scenario === 'narrow-keys') return narrowKeys(context);
  const page = await openPage(context);

  step(`open ${baseUrl}/admin (no slash) and see the sign-in form`);
  const bare = await page.goto(`${baseUrl}/admin`);
  check(bare && bare.ok(), `GET /admin answered ${bare && bare.status()}`);
  await page.getByTestId('login-form').waitFor({ state: 'visible' });

  step(`open ${baseUrl}/admin/`);
  const opened = await page.goto(`${baseUrl}/admin/`);
  check(opened && opened.ok(), `GET /admin/ answered ${opened && opened.status()}`);
  await page.getByTestId('login-form').waitFor({ state: 'visible' });
  check(await page.getByTestId('dashboard').isHidden(), 'the dashboard shows before signing in');

  step('a wrong token is refused and the sign-in form stays');
  await page.getByTestId('token-input').fill(`wrong-${token}`);
  await page.getByTestId('login-button').click();
  const error = page.getByTestId('login-error');
  await error.waitFor({ state: 'visible' });
  const errorText = await error.textContent();
  check(/wrong token/i.test(errorText), `expected "wrong token", the page says "${errorText}"`);
  check(await page.getByTestId('dashboard').isHidden(), 'the dashboard shows after a wrong token');
  const kept = await page.evaluate(() => Object.keys(sessionStorage).length);
  check(kept === 0, `a wrong token left ${kept} item(s) in sessionStorage`);

  step('the right token opens the dashboard');
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('login-button').click();
  await page.getByTestId('dashboard').waitFor({ state: 'visible' });
  check(await page.getByTestId('login').isHidden(), 'the sign-in form still shows after signing in');

  step(`the entries table lists ${COUNTRIES.join(', ')}`);
  for (const country of COUNTRIES) await rowFor(page, country).waitFor({ state: 'visible' });
  const keysShown = await page.getByTestId('entry-key').allTextContents();
  check(keysShown.length === COUNTRIES.length, `expected ${COUNTRIES.length} rows, the table shows: ${keysShown}`);

  step('the totals show the requests and a hit ratio');
  const ratio = page.getByTestId('hit-ratio');
  await page.waitForFunction(() => /%$/.test(document.querySelector('[data-testid="hit-ratio"]').textContent));
  const ratioText = await ratio.textContent();
  check(/^\d{1,3}(\.\d)?%$/.test(ratioText), `hit ratio reads "${ratioText}"`);
  const requestsText = await page.getByTestId('total-requests').textContent();
  check(Number(requestsText.replace(/,/g, '')) >= 4, `total requests read "${requestsText}", expected at least 4`);

  step('Purge on the germany row removes it from the table and from the cache');
  await rowFor(page, 'germany').getByTestId('purge-entry').click();
  await rowFor(page, 'germany').waitFor({ state: 'detached' });
  for (const country of ['france', 'japan']) {
    check((await rowFor(page, country).count()) === 1, `the ${country} row went away too`);
  }
  const left = await storedKeys('universities');
  check(!left.some((key) => key.endsWith(":country=germany}")), `the API still lists germany: ${left}`);
  check(left.some((key) => key.endsWith(":country=france}")), `the API lost france as well: ${left}`);

  if (screenshot) {
    step('some traffic for the chart, then a screenshot');
    for (const country of ['France', 'Japan', 'Italy', 'France', 'Japan', 'France']) {
      await fetch(`${baseUrl}/universities?country=${country}`).then((response) => response.arrayBuffer());
      await page.waitForTimeout(700);
    }
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]').dataset.points) >= 4);
    await page.getByTestId('refresh-entries').click();
    await rowFor(page, 'italy').waitFor({ state: 'visible' });
    await page.mouse.move(0, 0);
    const path = resolve(screenshot);
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path, fullPage: true });
    step(`screenshot written to ${path}`);
  }

  step('Log out returns to the sign-in form and forgets the token');
  await page.getByTestId('logout').click();
  await page.getByTestId('login-form').waitFor({ state: 'visible' });
  const after = await page.evaluate(() => Object.keys(sessionStorage).length);
  check(after === 0, `sessionStorage still holds ${after} item(s) after logging out`);

  check(problems.length === 0, problems.join('\n'));
}

async function main() {
  const watchdog = setTimeout(() => {
    console.error(`[dashboard.spec] FAILED: still running after ${WHOLE_RUN_MS / 1000} s`);
    process.exit(1);
  }, WHOLE_RUN_MS);
  watchdog.unref();
  const profile = mkdtempSync(join(tmpdir(), 'cachegate-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 860 },
    });
    await run(context);
  } finally {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => {
    step('passed');
    process.exit(0);
  },
  (error) => {
    console.error(`[dashboard.spec] FAILED: ${error.message}`);
    if (error.stack) console.error(error.stack);
    process.exit(1);
  },
);
