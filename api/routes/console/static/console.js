// clinicflow operator console: a small front end over the JSON API, no framework and no build step.
// The admin's token lives in sessionStorage (this tab only) and goes out as a Bearer header; there
// is no cookie, so there is nothing for another site to ride on (no CSRF surface).
// The DOM is built with createElement/textContent only: no HTML strings from data, ever.
/* global document, window, location, history, sessionStorage, navigator, fetch, URLSearchParams, Node, setTimeout, clearTimeout */

const TOKEN_KEY = 'clinicflow.console.token';
const REFRESH_MS = 5000;
const API = '/api/v1';

const main = document.getElementById('main');
const statusBox = document.getElementById('status');
const confirmDialog = document.getElementById('confirm');

let session = null; // { token, user }
let outboxEnabled = false;
let refreshTimer;
let renderSeq = 0;
let lastKey;
let lastRefresh = 0;

// ---------- small helpers ----------

/** Builds an element: h('a', {href: '/x', class: 'y'}, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function say(message, kind = 'info') {
  statusBox.replaceChildren(message ? h('p', { class: `msg ${kind}` }, message) : '');
}

function ago(iso) {
  if (!iso) return '–';
  return duration((Date.now() - new Date(iso).getTime()) / 1000) + ' ago';
}

function until(iso) {
  const sec = (new Date(iso).getTime() - Date.now()) / 1000;
  return sec <= 0 ? 'now' : 'in ' + duration(sec);
}

function duration(sec) {
  sec = Math.max(0, sec);
  if (sec < 60) return `${Math.round(sec)} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
  return `${Math.floor(sec / 86400)} d ${Math.round((sec % 86400) / 3600)} h`;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const time = (iso) => h('time', { datetime: iso, title: iso }, when(iso));

function badge(state) {
  return h('span', { class: `badge ${state}` }, state);
}

function table(columns, rows, empty = 'Nothing here.') {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { class: r.rowClass },
            columns.map((c) => h('td', { class: c.class }, c.cell(r))),
          ),
        ),
      ),
    ),
  );
}

function link(href, ...children) {
  return h('a', { href, 'data-nav': true }, ...children);
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    say(`${what} copied to the clipboard.`, 'ok');
  } catch {
    say(`Could not copy; select the ${what.toLowerCase()} and copy it by hand.`, 'error');
  }
}

/** Asks the operator to confirm; resolves true when they do. */
function confirmAction(title, text, yesLabel) {
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yesLabel;
  confirmDialog.returnValue = '';
  confirmDialog.showModal();
  document.getElementById('confirm-no').focus();
  return new Promise((resolve) => {
    confirmDialog.addEventListener('close', () => resolve(confirmDialog.returnValue === 'ok'), {
      once: true,
    });
  });
}

// ---------- API ----------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

async function api(method, path, body) {
  const headers = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && session) {
      signOut(false);
      say('Your session has ended. Sign in again.', 'error');
    }
    throw new ApiError(res.status, data);
  }
  return data;
}

const query = (obj) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const q = p.toString();
  return q ? `?${q}` : '';
};

// ---------- session ----------

const isAdminRole = (role) => role === 'admin' || role === 'super-admin';

function setHeader() {
  const signedIn = Boolean(session);
  document.getElementById('nav').hidden = !signedIn && !outboxEnabled;
  for (const a of document.querySelectorAll('#nav [data-section]')) {
    if (a.dataset.section !== 'outbox') a.parentElement.hidden = !signedIn;
  }
  document.getElementById('nav-outbox').hidden = !outboxEnabled;
  document.getElementById('who').hidden = !signedIn;
  document.getElementById('who-name').textContent = signedIn
    ? `${session.user.name} (${session.user.role})`
    : '';
}

async function restoreSession() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  session = { token, user: null };
  try {
    const user = await api('GET', '/users/me');
    if (!isAdminRole(user.role)) throw new Error('not an admin');
    session.user = user;
  } catch {
    session = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

function signOut(revoke = true) {
  if (revoke && session) api('POST', '/auth/logout').catch(() => {});
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  setHeader();
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  say('Signed out.', 'ok');
  navigate('/console');
});

// ---------- routing ----------

function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-nav]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  event.preventDefault();
  say('');
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', () => render());

function markNav(section) {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** Draws the page of the current path; `quiet` re-draws without moving focus (auto-refresh). */
async function render(quiet = false) {
  clearTimeout(refreshTimer);
  const seq = ++renderSeq;
  const path = location.pathname.replace(/\/+$/, '') || '/console';
  const params = new URLSearchParams(location.search);
  setHeader();
  let m;
  let page;
  if ((m = path.match(/^\/console\/outbox(?:\/([^/]+))?$/))) {
    markNav('outbox');
    page = () => outboxPage(m[1] && decodeURIComponent(m[1]));
  } else if (!session) {
    markNav('');
    page = signInPage;
  } else if (path === '/console') {
    markNav('dashboard');
    page = dashboardPage;
  } else if (path === '/console/jobs') {
    markNav('jobs');
    page = () => jobsPage(params);
  } else if ((m = path.match(/^\/console\/jobs\/(\d+)$/))) {
    markNav('jobs');
    page = () => jobPage(m[1]);
  } else if (path === '/console/schedules') {
    markNav('schedules');
    page = schedulesPage;
  } else {
    page = async () => [h('h1', {}, 'Not found'), h('p', {}, 'There is no console page here.')];
  }
  let content;
  let refresh = 0;
  let key;
  try {
    const result = await page();
    if (seq !== renderSeq) return; // a newer navigation won
    if (result && result.content) {
      refresh = result.refresh === true ? REFRESH_MS : result.refresh || 0;
      content = result.content;
      key = result.key;
    } else content = result;
  } catch (err) {
    if (seq !== renderSeq) return;
    if (quiet && lastRefresh && !(err instanceof ApiError && [401, 403].includes(err.status))) {
      // A failed auto-refresh keeps what is on screen and tries again.
      say(`Could not refresh: ${err.message}`, 'error');
      refreshTimer = setTimeout(() => render(true), lastRefresh);
      return;
    }
    content = errorContent(err);
  }
  lastRefresh = refresh;
  const unchanged = quiet && key !== undefined && key === lastKey;
  lastKey = key;
  if (unchanged) {
    if (refresh && !document.hidden) refreshTimer = setTimeout(() => render(true), refresh);
    return;
  }
  const focused = document.activeElement?.id;
  main.replaceChildren(...[content].flat());
  if (!quiet) {
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
    document.title = `${h1 ? h1.textContent + ' · ' : ''}clinicflow console`;
  } else if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
  if (refresh && !document.hidden) refreshTimer = setTimeout(() => render(true), refresh);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) render(true);
});

function errorContent(err) {
  if (err instanceof ApiError && err.status === 403) return refusal();
  if (err instanceof ApiError && err.status === 401) return signInPage();
  return [h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, err.message)];
}

function refusal(role) {
  return h(
    'section',
    { class: 'panel refusal', 'aria-labelledby': 'refused' },
    h('h1', { id: 'refused' }, 'Access refused'),
    h(
      'p',
      {},
      `The operator console is for administrators${role ? `; this account is a ${role}` : ''}. Nothing here is shown to other accounts.`,
    ),
  );
}

// ---------- sign in ----------

function signInPage() {
  const error = h('p', { class: 'error', id: 'signin-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'signin', novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'email' }, 'Email'),
      h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'password' }, 'Password'),
      h('input', {
        id: 'password',
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      }),
    ),
    h('div', {}, h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const { token, user } = await api('POST', '/auth/login', {
        email: form.email.value.trim(),
        password: form.password.value,
      });
      if (!isAdminRole(user.role)) {
        // The API would refuse every console call anyway; the token is not kept, and is revoked.
        session = { token, user };
        signOut();
        main.replaceChildren(refusal(user.role));
        main.querySelector('h1').focus();
        return;
      }
      session = { token, user };
      sessionStorage.setItem(TOKEN_KEY, token);
      render();
    } catch (err) {
      error.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  return [
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Sign in with an administrator account (the same email and password as the API).'),
    h('section', { class: 'panel' }, form),
  ];
}

// ---------- dashboard ----------

let chartRange = 'hour';

function card(label, value, cls) {
  return h(
    'div',
    { class: `card ${cls ?? ''}` },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value' }, value),
  );
}

function chart(series) {
  // Drawn at the size it is shown (one SVG unit = one CSS pixel), so labels stay readable.
  const W = Math.max(300, Math.min(1360, main.clientWidth - 64));
  const H = W < 600 ? 180 : 240;
  const pad = { l: 40, r: 12, t: 12, b: 28 };
  const perMin = series.bucketSeconds / 60;
  const pts = series.points.map((p) => ({ at: p.at, c: p.completed / perMin, f: p.failed / perMin }));
  const max = Math.max(1, ...pts.map((p) => Math.max(p.c, p.f)));
  const niceMax = niceCeil(max);
  const x = (i) => pad.l + (i * (W - pad.l - pad.r)) / Math.max(1, pts.length - 1);
  const y = (v) => H - pad.b - (v / niceMax) * (H - pad.t - pad.b);
  const line = (key) => pts.map((p, i) => `${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  const totalC = series.points.reduce((n, p) => n + p.completed, 0);
  const totalF = series.points.reduce((n, p) => n + p.failed, 0);
  const label = `Jobs per minute over the last ${chartRange === 'hour' ? 'hour' : 'day'}: ${totalC} completed and ${totalF} failed in total, peak ${max.toFixed(1)} per minute.`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  svg.append(s('title', {}, label));
  for (const f of [0, 0.5, 1]) {
    const v = niceMax * f;
    svg.append(s('line', { class: 'grid-line', x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatRate(v)));
  }
  svg.append(s('line', { class: 'axis', x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b }));
  const fmt = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const ticks =
    W < 600 ? [0, pts.length - 1] : chartRange === 'hour' ? [0, 15, 30, 45, 59] : [0, 24, 48, 72, 95];
  for (const i of ticks) {
    if (!pts[i]) continue;
    svg.append(
      s(
        'text',
        { x: x(i), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === pts.length - 1 ? 'end' : 'middle' },
        fmt(pts[i].at),
      ),
    );
  }
  svg.append(
    s('polygon', {
      class: 'completed-area',
      points: `${x(0)},${y(0)} ${line('c')} ${x(pts.length - 1)},${y(0)}`,
    }),
  );
  svg.append(s('polyline', { class: 'completed', points: line('c') }));
  svg.append(s('polyline', { class: 'failed', points: line('f') }));
  return svg;
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
const formatRate = (v) => (v >= 10 ? Math.round(v) : Math.round(v * 10) / 10).toString();

async function dashboardPage() {
  const d = await api('GET', '/admin/console/dashboard');
  const t = d.stats.totals;
  const series = d.throughput[chartRange];
  const rangeButton = (range, text) =>
    h(
      'button',
      {
        type: 'button',
        class: 'small',
        id: `range-${range}`,
        'aria-pressed': String(chartRange === range),
        onclick: () => {
          chartRange = range;
          render(true);
        },
      },
      text,
    );
  const content = [
    h('h1', {}, 'Dashboard'),
    h(
      'section',
      { 'aria-label': 'Totals' },
      h(
        'div',
        { class: 'cards' },
        card('Queued', t.queued),
        card('Scheduled', t.scheduled),
        card('Running', t.running),
        card('Failed', t.failed, t.failed ? 'bad' : ''),
        card(
          'Oldest waiting',
          d.stats.oldestQueuedAgeSeconds ? duration(d.stats.oldestQueuedAgeSeconds) : 'none',
          d.stats.oldestQueuedAgeSeconds > 60 ? 'warn' : '',
        ),
        card('Completed (1 h)', d.stats.completedLastHour),
        card('Failed runs (1 h)', d.stats.failuresLastHour, d.stats.failuresLastHour ? 'bad' : ''),
        card('Live worker pools', d.stats.liveWorkers, d.stats.liveWorkers ? '' : 'bad'),
      ),
    ),
    h(
      'section',
      { class: 'panel chart', 'aria-labelledby': 'chart-title' },
      h(
        'div',
        { class: 'chart-head' },
        h('h2', { id: 'chart-title' }, `Jobs per minute, last ${chartRange === 'hour' ? 'hour' : 'day'}`),
        h(
          'div',
          { class: 'actions', role: 'group', 'aria-label': 'Time range' },
          rangeButton('hour', 'Last hour'),
          rangeButton('day', 'Last day'),
        ),
      ),
      chart(series),
      h(
        'div',
        { class: 'legend' },
        h('span', { class: 'key-completed' }, 'completed'),
        h('span', { class: 'key-failed' }, 'failed'),
        h(
          'span',
          {},
          chartRange === 'day' ? '(15-minute buckets, averaged per minute)' : '(1-minute buckets)',
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid wide-first' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'by-task' },
        h('h2', { id: 'by-task' }, 'By task'),
        table(
          [
            { label: 'Task', cell: (r) => link(`/console/jobs${query({ task: r.task })}`, r.task) },
            { label: 'Queued', class: 'num', cell: (r) => r.queued },
            { label: 'Scheduled', class: 'num', cell: (r) => r.scheduled },
            { label: 'Running', class: 'num', cell: (r) => r.running },
            {
              label: 'Failed',
              class: 'num',
              cell: (r) =>
                r.failed ? link(`/console/jobs${query({ state: 'failed', task: r.task })}`, r.failed) : 0,
            },
            { label: 'Done 1 h', class: 'num', cell: (r) => r.completedLastHour },
            { label: 'Failed 1 h', class: 'num', cell: (r) => r.failedLastHour },
          ],
          d.stats.tasks,
          'No jobs yet.',
        ),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'pools' },
        h('h2', { id: 'pools' }, 'Worker pools'),
        table(
          [
            { label: 'Pool', class: 'mono', cell: (r) => r.workerId },
            { label: 'Host · pid', cell: (r) => `${r.host ?? '?'} · ${r.pid ?? '?'}` },
            { label: 'Heartbeat', cell: (r) => `${duration(r.heartbeatAgeSeconds)} ago` },
            { label: 'Running', class: 'num', cell: (r) => r.runningJobs },
            { label: 'Status', cell: (r) => badge(r.live ? 'live' : 'stale') },
          ],
          d.pools,
          'No worker has reported a heartbeat.',
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'failures' },
      h('h2', { id: 'failures' }, 'Recent failures'),
      table(
        [
          { label: 'Job', cell: (r) => link(`/console/jobs/${r.jobId}`, `#${r.jobId}`) },
          { label: 'Task', cell: (r) => r.task },
          { label: 'Attempt', class: 'num', cell: (r) => `${r.attempt}${r.final ? ' (last)' : ''}` },
          { label: 'When', cell: (r) => ago(r.finishedAt) },
          { label: 'Error', class: 'err', cell: (r) => r.error ?? '' },
        ],
        d.recentFailures,
        'No failures recorded.',
      ),
    ),
    h(
      'p',
      { class: 'empty' },
      `Updated ${new Date(d.generatedAt).toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`,
    ),
  ];
  return { content, refresh: true };
}

// ---------- jobs ----------

const STATES = ['queued', 'scheduled', 'running', 'failed', 'completed'];
const BULK_STATES = ['failed', 'queued', 'scheduled'];

async function jobsPage(params) {
  const filter = {
    state: params.get('state') ?? '',
    task: params.get('task') ?? '',
    q: params.get('q') ?? '',
    cursor: params.get('cursor') ?? '',
  };
  const [page, stats] = await Promise.all([
    api('GET', `/admin/jobs${query({ ...filter, limit: 25 })}`),
    api('GET', '/admin/jobs/stats'),
  ]);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-state' }, 'State'),
      h(
        'select',
        { id: 'f-state', name: 'state' },
        h('option', { value: '' }, 'any live state'),
        STATES.map((st) => h('option', { value: st, selected: st === filter.state }, st)),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-task' }, 'Task'),
      h('input', { id: 'f-task', name: 'task', list: 'task-names', value: filter.task, autocomplete: 'off' }),
      h(
        'datalist',
        { id: 'task-names' },
        stats.tasks.map((t) => h('option', { value: t.task })),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-q' }, 'Search'),
      h('input', {
        id: 'f-q',
        name: 'q',
        type: 'search',
        value: filter.q,
        placeholder: 'recipient, id, key…',
        'aria-describedby': 'q-help',
      }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      link('/console/jobs', 'Clear'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(
      `/console/jobs${query({ state: form.state.value, task: form.task.value.trim(), q: form.q.value.trim() })}`,
    );
  });
  const bulkable = BULK_STATES.includes(filter.state);
  const bulk = h(
    'div',
    { class: 'actions' },
    h(
      'button',
      { type: 'button', id: 'bulk-retry', disabled: !bulkable, onclick: () => bulkAction('retry', filter) },
      'Retry all matching…',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'bulk-cancel',
        class: 'danger',
        disabled: !bulkable,
        onclick: () => bulkAction('cancel', filter),
      },
      'Cancel all matching…',
    ),
    bulkable
      ? null
      : h(
          'span',
          { class: 'empty' },
          'Choose the state failed, queued or scheduled to act on every matching job.',
        ),
  );
  const next = page.nextCursor
    ? link(`/console/jobs${query({ ...filter, cursor: page.nextCursor })}`, 'Next page →')
    : null;
  const first = filter.cursor
    ? link(`/console/jobs${query({ ...filter, cursor: '' })}`, '← First page')
    : null;
  return [
    h('h1', {}, 'Jobs'),
    h(
      'section',
      { class: 'panel' },
      form,
      h(
        'p',
        { id: 'q-help', class: 'empty' },
        'Search looks in the job key and in the payload fields to, template and …Id (for completed jobs: the key only).',
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'job-list' },
      h(
        'div',
        { class: 'chart-head' },
        h(
          'h2',
          { id: 'job-list' },
          `${page.items.length}${page.nextCursor ? '+' : ''} job${page.items.length === 1 ? '' : 's'}`,
        ),
        bulk,
      ),
      table(
        [
          { label: 'Job', cell: (r) => link(`/console/jobs/${r.id}`, `#${r.id}`) },
          { label: 'Task', cell: (r) => r.task },
          { label: 'State', cell: (r) => badge(r.state) },
          { label: 'Attempts', class: 'num', cell: (r) => `${r.attempts}/${r.maxAttempts}` },
          {
            label: filter.state === 'completed' ? 'Finished' : 'Run at',
            cell: (r) => time(r.finishedAt ?? r.runAt),
          },
          { label: 'Key', class: 'mono hide-narrow', cell: (r) => r.key ?? '' },
          {
            label: 'Last error',
            class: 'err',
            cell: (r) => (r.state === 'completed' ? '' : (r.lastError ?? '')),
          },
        ],
        page.items,
        'No job matches.',
      ),
      h('div', { class: 'actions' }, first, next),
    ),
  ];
}

async function bulkAction(kind, filter) {
  const body = { state: filter.state, task: filter.task || undefined, q: filter.q || undefined };
  let preview;
  try {
    preview = await api('GET', `/admin/jobs/count${query(body)}`);
  } catch (err) {
    say(err.message, 'error');
    return;
  }
  if (!preview.count) {
    say(`No ${filter.state} job matches this filter.`, 'info');
    return;
  }
  const what = `${preview.count} ${filter.state} job${preview.count === 1 ? '' : 's'}${filter.task ? ` of task ${filter.task}` : ''}${filter.q ? ` matching “${filter.q}”` : ''}`;
  const ok =
    kind === 'retry'
      ? await confirmAction(
          `Retry ${preview.count} job${preview.count === 1 ? '' : 's'}?`,
          `This runs ${what} now, with their attempts reset.`,
          `Retry ${preview.count}`,
        )
      : await confirmAction(
          `Cancel ${preview.count} job${preview.count === 1 ? '' : 's'}?`,
          `This permanently fails ${what}. They stay listed as failed and can still be retried one by one.`,
          `Cancel ${preview.count}`,
        );
  if (!ok) return;
  try {
    const result = await api('POST', `/admin/jobs/${kind}`, { ...body, maxId: preview.maxId });
    const n = kind === 'retry' ? result.retried : result.cancelled;
    const skipped = preview.count - n;
    say(
      `${kind === 'retry' ? 'Retried' : 'Cancelled'} ${n} job${n === 1 ? '' : 's'}.${skipped > 0 ? ` ${skipped} changed in the meantime (started running or finished) and were left alone.` : ''}`,
      'ok',
    );
  } catch (err) {
    say(err.message, 'error');
  }
  render(true);
}

async function jobPage(id) {
  const job = await api('GET', `/admin/jobs/${id}`);
  // A job graphile-worker no longer holds is shown from its history (it has `finishedAt`).
  const live = job.finishedAt === undefined;
  const act = async (kind) => {
    if (kind === 'cancel') {
      const ok = await confirmAction(
        `Cancel job #${id}?`,
        `The ${job.task} job will be permanently failed; it can still be retried later.`,
        'Cancel job',
      );
      if (!ok) return;
    }
    try {
      await api('POST', `/admin/jobs/${id}/${kind}`, kind === 'cancel' ? { mode: 'fail' } : undefined);
      say(kind === 'retry' ? `Job #${id} will run now.` : `Job #${id} was cancelled.`, 'ok');
    } catch (err) {
      say(err.message, 'error');
    }
    render(true);
  };
  const facts = [
    ['State', badge(job.state)],
    ['Task', job.task],
    [
      'Attempts',
      `${job.attempts} of ${job.maxAttempts}${job.permanentlyFailed ? ' (no attempts left)' : ''}`,
    ],
    [job.state === 'completed' ? 'Started' : 'Run at', time(job.runAt)],
    ['Created', time(job.createdAt)],
    ['Key', job.key ? h('code', {}, job.key) : '–'],
    ['Queue', job.queueName ?? '–'],
    ['Priority', job.priority],
    ['Locked by', job.lockedBy ? `${job.lockedBy} since ${when(job.lockedAt)}` : '–'],
    ['Last error', job.lastError && job.state !== 'completed' ? h('pre', {}, job.lastError) : '–'],
  ];
  const content = [
    h('p', {}, link('/console/jobs', '← Jobs')),
    h('h1', {}, `Job #${job.id} · ${job.task}`),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'job-actions' },
      h('h2', { id: 'job-actions', class: 'visually-hidden' }, 'Actions'),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            id: 'retry',
            class: 'primary',
            disabled: !live || job.state === 'running',
            onclick: () => act('retry'),
          },
          'Retry now',
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'cancel',
            class: 'danger',
            disabled: !live || job.state === 'running' || job.permanentlyFailed,
            onclick: () => act('cancel'),
          },
          'Cancel',
        ),
        job.state === 'running'
          ? h('span', { class: 'empty' }, 'A worker is running this job; actions wait until it finishes.')
          : null,
        !live ? h('span', { class: 'empty' }, 'This job has finished; only its history remains.') : null,
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'facts' },
        h('h2', { id: 'facts' }, 'Details'),
        h(
          'dl',
          { class: 'facts' },
          facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
        ),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'payload' },
        h('h2', { id: 'payload' }, 'Payload (secrets redacted)'),
        job.payload === null
          ? h('p', { class: 'empty' }, 'Not kept once a job has finished.')
          : h('pre', {}, JSON.stringify(job.payload, null, 2)),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'runs' },
      h('h2', { id: 'runs' }, 'Run history'),
      table(
        [
          { label: 'Attempt', class: 'num', cell: (r) => r.attempt },
          { label: 'Outcome', cell: (r) => badge(r.outcome) },
          { label: 'Finished', cell: (r) => time(r.finishedAt) },
          { label: 'Duration', class: 'num', cell: (r) => `${r.durationMs} ms` },
          { label: 'Worker', class: 'mono hide-narrow', cell: (r) => r.workerId ?? '' },
          { label: 'Error', class: 'err', cell: (r) => r.error ?? '' },
        ],
        job.runs,
        'No run recorded yet.',
      ),
    ),
  ];
  // Polled until it has completed: a retried job passes through states, and its history line lands
  // a moment after graphile-worker forgets the job.
  return { content, refresh: job.state === 'completed' ? 0 : 2000 };
}

// ---------- schedules ----------

async function schedulesPage() {
  const d = await api('GET', '/admin/console/schedules?withinMinutes=60');
  const content = [
    h('h1', {}, 'Schedules'),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'crontab' },
      h('h2', { id: 'crontab' }, 'Crontab (UTC)'),
      table(
        [
          { label: 'Schedule', class: 'mono', cell: (r) => r.schedule },
          { label: 'Task', cell: (r) => link(`/console/jobs${query({ task: r.task })}`, r.task) },
          {
            label: 'Next run',
            cell: (r) => (r.nextRuns[0] ? [time(r.nextRuns[0]), ` (${until(r.nextRuns[0])})`] : '–'),
          },
          {
            label: 'Then',
            class: 'hide-narrow',
            cell: (r) =>
              r.nextRuns
                .slice(1)
                .map((n) => when(n))
                .join(', '),
          },
          { label: 'Last fired', cell: (r) => (r.lastExecution ? ago(r.lastExecution) : 'never') },
        ],
        d.crontab,
        'No periodic task is configured.',
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'due' },
      h('h2', { id: 'due' }, `Scheduled jobs due in the next ${d.withinMinutes} minutes`),
      d.dueSoon.length
        ? d.dueSoon.map((g) =>
            h(
              'section',
              { class: 'group', 'aria-label': g.task },
              h(
                'h3',
                {},
                link(`/console/jobs${query({ state: 'scheduled', task: g.task })}`, g.task),
                ` — ${g.count} job${g.count === 1 ? '' : 's'}, first ${until(g.firstRunAt)}`,
              ),
              table(
                [
                  { label: 'Job', cell: (r) => link(`/console/jobs/${r.id}`, `#${r.id}`) },
                  { label: 'Runs at', cell: (r) => [time(r.runAt), ` (${until(r.runAt)})`] },
                  { label: 'Key', class: 'mono', cell: (r) => r.key ?? '' },
                ],
                g.jobs,
              ),
              g.count > g.jobs.length
                ? h('p', { class: 'empty' }, `…and ${g.count - g.jobs.length} more.`)
                : null,
            ),
          )
        : h('p', { class: 'empty' }, 'Nothing is due in that time.'),
    ),
  ];
  return { content, refresh: true };
}

// ---------- development inbox ----------

async function outboxPage(id) {
  const list = await api('GET', '/outbox?limit=50');
  const current = id ?? list.items[0]?.id;
  const items = h(
    'ul',
    { class: 'mail-list' },
    list.items.map((m) =>
      h(
        'li',
        {},
        h(
          'a',
          {
            href: `/console/outbox/${encodeURIComponent(m.id)}`,
            'data-nav': true,
            'aria-current': m.id === current ? 'true' : false,
          },
          h('span', { class: 'subject' }, m.subject || '(no subject)'),
          h('span', { class: 'meta' }, `${m.to} · ${m.date ? when(m.date) : ''}`),
        ),
      ),
    ),
  );
  let view = h(
    'p',
    { class: 'empty' },
    'No email has been written yet. Register an account or ask for a password reset, then look again.',
  );
  if (current) view = await emailView(current);
  const content = [
    h('h1', {}, 'Development inbox'),
    h(
      'p',
      { class: 'empty' },
      'Emails this process wrote to the local outbox instead of sending them (no SMTP_URL is set). Only in development.',
    ),
    h(
      'div',
      { class: 'mail' },
      h(
        'nav',
        { class: 'panel', 'aria-label': 'Emails, newest first' },
        list.items.length ? items : h('p', { class: 'empty' }, 'Empty.'),
      ),
      view,
    ),
  ];
  // Re-drawn only when the list changes, so an open email is not reloaded every few seconds.
  return { content, refresh: true, key: `${current}|${list.items.map((m) => m.id).join(',')}` };
}

async function emailView(id) {
  const m = await api('GET', `/outbox/${encodeURIComponent(id)}`);
  const base = `/console/outbox/${encodeURIComponent(id)}`;
  return h(
    'article',
    { class: 'panel', 'aria-labelledby': 'mail-subject' },
    h('h2', { id: 'mail-subject' }, m.subject || '(no subject)'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'To'),
      h('dd', {}, m.to),
      h('dt', {}, 'From'),
      h('dd', {}, m.from),
      h('dt', {}, 'Date'),
      h('dd', {}, when(m.date)),
    ),
    m.codes.length
      ? h(
          'section',
          { 'aria-labelledby': 'codes' },
          h('h3', { id: 'codes' }, 'Codes'),
          h(
            'ul',
            { class: 'plain' },
            m.codes.map((c) =>
              h(
                'li',
                {},
                h('span', { class: 'code' }, c),
                h(
                  'button',
                  { type: 'button', class: 'small', onclick: () => copy(c, 'Code') },
                  `Copy code ${c}`,
                ),
              ),
            ),
          ),
        )
      : null,
    m.links.length
      ? h(
          'section',
          { 'aria-labelledby': 'links' },
          h('h3', { id: 'links' }, 'Links'),
          h(
            'ul',
            { class: 'plain' },
            m.links.map((l, i) =>
              h(
                'li',
                {},
                h('a', { href: l, target: '_blank', rel: 'noopener noreferrer', class: 'mono' }, l),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    'aria-label': `Copy link ${i + 1}`,
                    onclick: () => copy(l, 'Link'),
                  },
                  'Copy',
                ),
              ),
            ),
          ),
        )
      : null,
    m.attachments.length
      ? h(
          'section',
          { 'aria-labelledby': 'attachments' },
          h('h3', { id: 'attachments' }, 'Attachments'),
          h(
            'ul',
            { class: 'plain' },
            m.attachments.map((a) =>
              h(
                'li',
                {},
                h('a', { href: `${base}/attachments/${a.index}`, download: a.filename }, a.filename),
                h('span', { class: 'empty' }, `${a.contentType}, ${Math.ceil(a.size / 1024)} KB`),
              ),
            ),
          ),
        )
      : null,
    m.hasHtml
      ? h(
          'section',
          { 'aria-labelledby': 'html-part' },
          h('h3', { id: 'html-part' }, 'HTML part'),
          h('iframe', {
            class: 'email',
            src: `${base}/html`,
            title: `HTML part of “${m.subject}”`,
            sandbox: 'allow-popups allow-popups-to-escape-sandbox',
            referrerpolicy: 'no-referrer',
          }),
        )
      : null,
    h(
      'section',
      { 'aria-labelledby': 'text-part' },
      h('h3', { id: 'text-part' }, 'Plain-text part'),
      h('pre', {}, m.text || '(none)'),
    ),
  );
}

// ---------- start ----------

async function start() {
  const [, outbox] = await Promise.allSettled([restoreSession(), fetch(`${API}/outbox?limit=1`)]);
  outboxEnabled = outbox.status === 'fulfilled' && outbox.value.ok;
  render();
}

start();
