// cachegate operator dashboard: plain ES2020, no dependencies, no build step.
//
// Data from the server reaches the page only through textContent, Text nodes and setAttribute,
// never as HTML. The admin token lives in sessionStorage (this tab only) and goes with every call
// as "Authorization: Bearer <token>"; any 401 returns to the sign-in form.

const TOKEN_KEY = 'cachegate.adminToken';
const POLL_MS = 2000;
const WINDOW_MS = 5 * 60 * 1000;
const PAGE_SIZE = 50;
const ENTRIES_REFRESH_MS = 10_000;
const MAX_PAGES_PER_LOAD = 20;
const API = new URL('api/', import.meta.url); // next to this script, so /admin and /admin/ agree

const $ = (id) => document.getElementById(id);
const numbers = new Intl.NumberFormat('en');

class Unauthorized extends Error {}

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  session: 0, // bumped on sign-in and sign-out, so answers to an old session are dropped
  pollTimer: 0,
  tickTimer: 0,
  entriesTimer: 0,
  samples: [], // one per poll: {t, total, cached, lookups, uptime}
  routes: [],
  route: null,
  rows: new Map(), // key -> {entry, loadedAt, tr}
  cursor: '0',
  loadedMore: false, // "Load more" was used: automatic refreshes would drop those pages
  listVersion: 0, // bumped by every load and every purge: only the latest load is shown
};

// ---- API ----------------------------------------------------------------------------------

async function api(path, { method = 'GET', token = state.token } = {}) {
  const response = await fetch(new URL(path, API), {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  if (response.status === 401) throw new Unauthorized('unauthorized');
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = body && typeof body.error === 'string' ? body.error : response.statusText;
    throw new Error(`${method} ${path}: ${response.status} ${reason}`);
  }
  return body;
}

// Runs an API action for the current session; reports failures, and signs out on 401.
async function guarded(action) {
  const session = state.session;
  try {
    return await action(() => session === state.session);
  } catch (error) {
    if (session !== state.session) return undefined;
    if (error instanceof Unauthorized) {
      signOut('The token was refused (401). Sign in again.');
    } else {
      showStatus(error.message, 'error');
    }
    return undefined;
  }
}

// ---- sign-in ------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const token = $('token').value.trim();
  const error = $('login-error');
  if (!token) return showMessage(error, 'Enter the admin token.');
  $('login-button').disabled = true;
  try {
    const stats = await api('stats', { token });
    sessionStorage.setItem(TOKEN_KEY, token);
    state.token = token;
    $('token').value = '';
    showMessage(error, '');
    startDashboard(stats);
  } catch (failure) {
    const text = failure instanceof Unauthorized ? 'Wrong token.' : `Cannot sign in: ${failure.message}`;
    showMessage(error, text);
    $('token').select();
  } finally {
    $('login-button').disabled = false;
  }
}

function signOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.session += 1;
  clearTimeout(state.pollTimer);
  clearInterval(state.tickTimer);
  clearInterval(state.entriesTimer);
  state.samples = [];
  state.rows.clear();
  $('entries').replaceChildren();
  $('routes').replaceChildren();
  $('dashboard').hidden = true;
  $('session').hidden = true;
  $('login').hidden = false;
  showMessage($('login-error'), message);
  $('token').focus();
}

function startDashboard(firstStats) {
  state.session += 1;
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('session').hidden = false;
  if (firstStats) {
    recordStats(firstStats);
    state.pollTimer = setTimeout(poll, POLL_MS);
  } else {
    poll();
  }
  state.tickTimer = setInterval(tick, 1000);
  state.entriesTimer = setInterval(refreshEntries, ENTRIES_REFRESH_MS);
  loadRoutes();
}

// ---- totals and chart ---------------------------------------------------------------------

async function poll() {
  const session = state.session;
  await guarded(async (current) => {
    const stats = await api('stats');
    if (current()) recordStats(stats);
  });
  if (session === state.session) state.pollTimer = setTimeout(poll, POLL_MS);
}

function recordStats(stats) {
  const requests = stats.requests || {};
  const count = (name) => Number(requests[name]) || 0;
  const total = Object.values(requests).reduce((sum, n) => sum + (Number(n) || 0), 0);
  // Answered from a stored entry: fresh, stale while revalidating, or stale because the API failed.
  const cached = count('hit') + count('stale') + count('stale-if-error');
  // Invalid requests never reach the cache, so they are not lookups.
  const lookups = total - count('invalid');
  const sample = { t: Date.now(), total, cached, lookups, uptime: Number(stats.uptimeSeconds) || 0 };

  const last = state.samples[state.samples.length - 1];
  if (last && (sample.uptime < last.uptime || sample.total < last.total)) state.samples = []; // restarted
  else if (last && sample.t - last.t < POLL_MS / 2) state.samples.pop(); // too close for a rate
  state.samples.push(sample);
  while (state.samples.length > 2 && state.samples[1].t < sample.t - WINDOW_MS) state.samples.shift();

  $('total-requests').textContent = numbers.format(total);
  $('breakdown').textContent = Object.entries(requests)
    .map(([name, n]) => `${name} ${numbers.format(Number(n) || 0)}`)
    .join(' · ');
  $('hit-ratio').textContent = lookups > 0 ? percent(cached / lookups) : '–';
  $('hit-ratio-detail').textContent =
    lookups > 0 ? `${numbers.format(cached)} of ${numbers.format(lookups)} answered from cache` : 'no lookups yet';
  $('upstream-calls').textContent = numbers.format(Number(stats.upstreamCalls) || 0);
  $('upstream-saved').textContent = numbers.format(Number(stats.upstreamCallsSaved) || 0);
  $('coalesced').textContent = `${numbers.format(Number(stats.coalesced) || 0)} joined another fetch`;
  const local = stats.localTier || {};
  $('local-entries').textContent = numbers.format(Number(local.entries) || 0);
  const forms = stats.identityForms || {};
  const files = Number(forms.files) || 0;
  $('local-bytes').textContent =
    `${bytes(Number(local.bytes) || 0)} stored · ${bytes(Number(forms.offHeapBytes) || 0)} off-heap · ` +
    `${numbers.format(files)} ${files === 1 ? 'file' : 'files'} (${bytes(Number(forms.fileBytes) || 0)})`;
  $('uptime').textContent = `up ${duration(sample.uptime)}`;
  drawChart();
}

// Points between consecutive samples: requests/s and the hit ratio of that interval.
function series() {
  const points = [];
  for (let i = 1; i < state.samples.length; i += 1) {
    const a = state.samples[i - 1];
    const b = state.samples[i];
    const seconds = (b.t - a.t) / 1000;
    if (seconds <= 0) continue;
    const lookups = b.lookups - a.lookups;
    points.push({
      t: b.t,
      rate: (b.total - a.total) / seconds,
      ratio: lookups > 0 ? ((b.cached - a.cached) / lookups) * 100 : null,
    });
  }
  $('chart').dataset.points = String(points.length);
  return points;
}

function drawChart() {
  const canvas = $('chart');
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (!width || !height) return;
  const scale = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * scale) || canvas.height !== Math.round(height * scale)) {
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const style = getComputedStyle(canvas);
  const color = (name) => style.getPropertyValue(name).trim();
  const box = { left: 48, right: width - 52, top: 10, bottom: height - 24 };
  const now = Date.now();
  const from = now - WINDOW_MS;
  const points = series();
  const maxRate = niceCeiling(Math.max(1, ...points.map((p) => p.rate)));
  const x = (t) => box.left + ((t - from) / WINDOW_MS) * (box.right - box.left);
  const yRatio = (v) => box.bottom - (v / 100) * (box.bottom - box.top);
  const yRate = (v) => box.bottom - (v / maxRate) * (box.bottom - box.top);

  ctx.font = `11px ${style.fontFamily}`;
  ctx.lineWidth = 1;
  ctx.strokeStyle = color('--grid');
  ctx.fillStyle = color('--muted');
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i += 1) {
    const y = Math.round(box.top + (i * (box.bottom - box.top)) / 4) + 0.5;
    line(ctx, box.left, y, box.right, y);
    ctx.textAlign = 'right';
    ctx.fillText(`${100 - i * 25}%`, box.left - 8, y);
    ctx.textAlign = 'left';
    ctx.fillText(rateLabel((maxRate * (4 - i)) / 4), box.right + 8, y);
  }
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  for (let minutes = 0; minutes <= 5; minutes += 1) {
    const px = Math.round(x(now - minutes * 60000)) + 0.5;
    line(ctx, px, box.top, px, box.bottom);
    ctx.fillText(minutes === 0 ? 'now' : `−${minutes} min`, px, box.bottom + 6);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top - 2, box.right - box.left, box.bottom - box.top + 4);
  ctx.clip();
  plot(ctx, points, (p) => p.rate, x, yRate, color('--rate'));
  plot(ctx, points, (p) => p.ratio, x, yRatio, color('--ratio'));
  ctx.restore();

  if (points.length === 0) {
    ctx.fillStyle = color('--muted');
    ctx.textBaseline = 'middle';
    ctx.fillText('collecting samples…', (box.left + box.right) / 2, (box.top + box.bottom) / 2);
  }
}

function line(ctx, x1, y1, x2, y2) {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}

// A line through the points whose value is not null; a lone point between gaps is a dot.
function plot(ctx, points, value, x, y, stroke) {
  ctx.strokeStyle = stroke;
  ctx.fillStyle = stroke;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  let run = [];
  const flush = () => {
    if (run.length === 1) {
      ctx.beginPath();
      ctx.arc(run[0][0], run[0][1], 2.5, 0, 2 * Math.PI);
      ctx.fill();
    } else if (run.length > 1) {
      ctx.beginPath();
      run.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
      ctx.stroke();
    }
    run = [];
  };
  for (const point of points) {
    const v = value(point);
    if (v === null) flush();
    else run.push([x(point.t), y(v)]);
  }
  flush();
}

function niceCeiling(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((s) => s * magnitude >= value);
  return step * magnitude;
}

function rateLabel(value) {
  return `${value < 10 && value % 1 ? value.toFixed(1) : numbers.format(Math.round(value))}/s`;
}

// ---- routes and entries -------------------------------------------------------------------

async function loadRoutes() {
  await guarded(async (current) => {
    const routes = await api('routes');
    if (!current()) return;
    state.routes = Array.isArray(routes) ? routes : [];
    renderRoutes();
    if (state.routes.length > 0) selectRoute(state.routes[0]);
    else showRoute(null);
  });
}

function renderRoutes() {
  $('routes').replaceChildren(
    ...state.routes.map((route) => {
      const button = el('button', { type: 'button', 'data-testid': 'route', 'data-route': route.name },
        route.name, el('small', {}, route.path));
      button.addEventListener('click', () => selectRoute(route));
      return el('li', {}, button);
    }),
  );
}

function selectRoute(route) {
  state.route = route;
  for (const button of $('routes').querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(button.dataset.route === route.name));
  }
  showRoute(route);
  loadEntries();
}

// The route's upstream rate budget, as last known when the routes were loaded.
function budgetText(budget) {
  if (!budget) return '';
  const paused = budget.pausedForMs > 0 ? `, paused for ${duration(Math.ceil(budget.pausedForMs / 1000))}` : '';
  return ` · rate budget ${budget.limit}: ${budget.remaining} left${paused}`;
}

function showRoute(route) {
  $('entries-title').textContent = route ? `Entries of ${route.name}` : 'No routes';
  $('route-policy').textContent = route
    ? `TTL ${duration(route.ttlSeconds)} · stale-while-revalidate ${duration(route.staleWhileRevalidateSeconds)}` +
      ` · stale-if-error ${duration(route.staleIfErrorSeconds)}` + budgetText(route.budget)
    : '';
  $('purge-route').disabled = !route;
  $('refresh-entries').disabled = !route;
}

// Loads from the start, following the cursor until a page is full (a SCAN page can be sparse).
async function loadEntries({ more = false } = {}) {
  const route = state.route;
  if (!route) return;
  const version = ++state.listVersion;
  await guarded(async (current) => {
    let cursor = more ? state.cursor : '0';
    const found = more ? new Map(state.rows) : new Map();
    const wanted = found.size + PAGE_SIZE;
    for (let page = 0; page < MAX_PAGES_PER_LOAD; page += 1) {
      const path = `routes/${encodeURIComponent(route.name)}/entries?cursor=${encodeURIComponent(cursor)}&count=${PAGE_SIZE}`;
      const answer = await api(path);
      if (!current() || state.route !== route || version !== state.listVersion) return;
      const loadedAt = Date.now();
      for (const entry of answer.entries || []) found.set(entry.key, { entry, loadedAt }); // SCAN may repeat keys
      cursor = String(answer.cursor ?? '0');
      if (cursor === '0' || found.size >= wanted) break;
    }
    state.cursor = cursor;
    state.loadedMore = more;
    renderEntries(found);
  });
}

// Keeps the first page current; pages added with "Load more" stay until the next manual load.
function refreshEntries() {
  if (state.route && !state.loadedMore) loadEntries();
}

function renderEntries(found) {
  state.rows = found;
  const sorted = [...found.values()].sort((a, b) => (a.entry.key < b.entry.key ? -1 : 1)); // SCAN order is arbitrary
  const rows = sorted.map((row) => {
    row.tr = entryRow(row.entry);
    return row.tr;
  });
  if (rows.length === 0) {
    rows.push(el('tr', { class: 'empty' }, el('td', { colspan: '7' }, 'Nothing cached for this route.')));
  }
  $('entries').replaceChildren(...rows);
  $('more-entries').hidden = state.cursor === '0';
  tick();
}

function entryRow(entry) {
  const params = Object.entries(entry.params || {}).map(([name, value]) =>
    el('span', { class: 'param' }, `${name}=${value}`));
  const purge = el('button', { type: 'button', class: 'danger small', 'data-testid': 'purge-entry' }, 'Purge');
  const soft = el('button', { type: 'button', class: 'small', 'data-testid': 'soft-purge-entry' }, 'Soft purge');
  purge.addEventListener('click', () => purgeEntry(entry.key));
  soft.addEventListener('click', () => softPurgeEntry(entry.key));
  purge.title = 'Delete this entry on every instance; the next request fetches it again';
  soft.title = 'Mark this entry stale: it is served while one refresh runs';
  return el('tr', { 'data-testid': 'entry-row', 'data-key': entry.key },
    el('td', { class: 'key', 'data-testid': 'entry-key', title: entry.key }, ...keyParts(entry.key)),
    el('td', { class: 'params' }, ...params),
    el('td', { class: 'num' }, bytes(Number(entry.bytes) || 0)),
    el('td', { class: 'num', 'data-cell': 'age' }),
    el('td', { class: 'num', 'data-cell': 'ttl', 'data-testid': 'entry-ttl' }),
    el('td', { class: 'num', 'data-cell': 'kept' }),
    el('td', { class: 'row-actions' }, soft, purge));
}

// A key as text with a line-break opportunity (<wbr>) between its parts, after : = & + , | and before
// { (cachegate: v2: {universities: country= united+ states}), so that a narrow column breaks it
// there and not every few characters. Copying the cell still gives the key unchanged.
function keyParts(key) {
  const nodes = [];
  let part = '';
  for (const character of key) {
    if (character === '{' && part) {
      nodes.push(part, el('wbr'));
      part = '';
    }
    part += character;
    if (':=&+,|'.includes(character)) {
      nodes.push(part, el('wbr'));
      part = '';
    }
  }
  if (part) nodes.push(part);
  return nodes;
}

// Ages and countdowns move on every second without asking the server.
function tick() {
  const now = Date.now();
  for (const { entry, loadedAt, tr } of state.rows.values()) {
    if (!tr) continue;
    const elapsed = Math.floor((now - loadedAt) / 1000);
    const ttl = Number(entry.ttlSeconds) - elapsed;
    // expiresInSeconds is absent when the store keeps the entry with no expiry of its own.
    const kept = entry.expiresInSeconds == null ? Infinity : Number(entry.expiresInSeconds) - elapsed;
    const cell = (name) => tr.querySelector(`[data-cell="${name}"]`);
    cell('age').textContent = duration(Number(entry.ageSeconds) + elapsed);
    cell('ttl').textContent = ttl >= 0 ? duration(ttl) : `stale ${duration(-ttl)}`;
    cell('kept').textContent = kept === Infinity ? '–' : kept > 0 ? duration(kept) : 'gone';
    tr.classList.toggle('stale', ttl < 0 && kept > 0);
    tr.classList.toggle('gone', kept <= 0);
  }
  drawChart();
}

async function purgeEntry(key) {
  const row = state.rows.get(key);
  setRowBusy(row, true);
  state.listVersion += 1;
  await guarded(async (current) => {
    try {
      const answer = await api(`entries?key=${encodeURIComponent(key)}`, { method: 'DELETE' });
      if (!current()) return;
      state.rows.delete(key);
      renderEntries(state.rows);
      showStatus(answer.purged > 0 ? `Purged ${key}` : `${key} was already gone`, 'ok');
    } finally {
      setRowBusy(row, false);
    }
  });
}

async function softPurgeEntry(key) {
  const row = state.rows.get(key);
  setRowBusy(row, true);
  state.listVersion += 1;
  await guarded(async (current) => {
    try {
      const answer = await api(`entries/soft-purge?key=${encodeURIComponent(key)}`, { method: 'POST' });
      if (!current()) return;
      showStatus(answer.softPurged > 0 ? `Marked stale: ${key}` : `${key} was not there`, 'ok');
    } finally {
      setRowBusy(row, false);
    }
    await loadEntries();
  });
}

async function purgeRoute() {
  const route = state.route;
  if (!route) return;
  const question = `Purge every entry of route "${route.name}"? The next requests will go to the upstream API.`;
  if (!window.confirm(question)) return;
  $('purge-route').disabled = true;
  state.listVersion += 1;
  await guarded(async (current) => {
    try {
      const answer = await api(`routes/${encodeURIComponent(route.name)}/entries`, { method: 'DELETE' });
      if (!current()) return;
      showStatus(`Purged ${numbers.format(Number(answer.purged) || 0)} entries of ${route.name}`, 'ok');
    } finally {
      $('purge-route').disabled = false;
    }
    await loadEntries();
  });
}

function setRowBusy(row, busy) {
  if (!row || !row.tr) return;
  for (const button of row.tr.querySelectorAll('button')) button.disabled = busy;
}

// ---- small helpers ------------------------------------------------------------------------

// Creates an element; strings among the children become Text nodes, never markup.
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function showMessage(node, text) {
  node.textContent = text;
  node.hidden = !text;
}

let statusTimer = 0;
function showStatus(text, kind) {
  const node = $('status');
  showMessage(node, text);
  node.className = `message ${kind}`;
  clearTimeout(statusTimer);
  if (kind === 'ok') statusTimer = setTimeout(() => showMessage(node, ''), 6000);
}

function percent(fraction) {
  return `${(fraction * 100).toFixed(1)}%`;
}

function bytes(n) {
  if (n < 1024) return `${numbers.format(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function duration(totalSeconds) {
  const s = Math.max(0, Math.floor(Number(totalSeconds) || 0));
  const pad = (n) => String(n).padStart(2, '0');
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} min`;
  return `${Math.floor(s / 86400)} d ${pad(Math.floor(s / 3600) % 24)} h`;
}

// ---- start --------------------------------------------------------------------------------

$('login-form').addEventListener('submit', signIn);
$('logout').addEventListener('click', (event) => {
  event.preventDefault();
  signOut();
});
$('refresh-entries').addEventListener('click', () => loadEntries());
$('more-entries').addEventListener('click', () => loadEntries({ more: true }));
$('purge-route').addEventListener('click', purgeRoute);
new ResizeObserver(() => drawChart()).observe($('chart'));

if (state.token) startDashboard();
else signOut();
