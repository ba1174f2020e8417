import { initCharts, loadSeries, pushSample } from './charts.js';
import { $, ApiError, api, say, schedule, state } from './core.js';
import { initPanels, refreshPanel, refreshPanels } from './panels.js';
import { initStaff, loadStaff } from './staff.js';
import { initAlerts, loadAlerts, onAlert, renderAlerts } from './alerts.js';
import { initDevices, onDeviceEvent, onDevicePatch, renderDevices, renderOverview } from './views.js';

let source = null;

function setCookie(token) {
  // biome-ignore lint/suspicious/noDocumentCookie: EventSource cannot send headers; the stream reads this cookie
  document.cookie = token ? `sg_token=${encodeURIComponent(token)}; path=/; SameSite=Strict` : 'sg_token=; path=/; max-age=0; SameSite=Strict';
}

function showApp(on) {
  $('login').hidden = on;
  $('app').hidden = !on;
  $('logout').hidden = !on;
  $('nav').hidden = !on;
}

async function loadOverview() {
  const o = await api('GET', '/api/v1/dashboard/overview');
  $('storeId').textContent = o.storeId;
  state.offlineAfterSeconds = o.offlineAfterSeconds;
  state.ingestTotal = o.ingestTotal;
  state.model = o.model;
  state.devices = new Map(o.devices.map((d) => [d.id, d]));
  loadSeries(o.series);
  state.lastSample = o.series[o.series.length - 1] ?? null;
  state.seq = o.seq;
  await loadAlerts();
  renderDevices();
  renderOverview();
}

/** `after`: the stream position of the overview just loaded, so nothing between the two is missed */
function connect(after) {
  source?.close();
  source = new EventSource(`/api/v1/dashboard/stream?after=${after}`);
  const live = $('live');
  source.onopen = () => {
    live.textContent = 'live';
    live.className = 'pill';
  };
  source.onerror = () => {
    live.textContent = 'reconnecting…';
    live.className = 'pill down';
  };
  const on = (type, fn) => source.addEventListener(type, (m) => fn(JSON.parse(m.data)));
  on('device', onDevicePatch);
  on('event', onDeviceEvent);
  on('alert', (a) => {
    onAlert(a);
    schedule('devices', renderDevices);
    schedule('overview', renderOverview);
  });
  on('panel', (p) => schedule(`panel:${p.panel}`, () => refreshPanel(p.panel), 200));
  on('sample', (s) => {
    state.lastSample = s;
    pushSample(s);
    renderOverview();
  });
}

async function start() {
  try {
    await loadOverview();
  } catch (e) {
    showApp(false);
    $('loginError').textContent =
      e instanceof ApiError && e.status === 401
        ? state.token
          ? 'That token was refused.'
          : ''
        : e instanceof ApiError && e.status === 403
          ? 'This page is for store IT (admin role).'
          : e.message;
    return;
  }
  showApp(true);
  const me = await api('GET', '/api/v1/staff/me').catch(() => null);
  $('who').textContent = me ? `${me.name}` : '';
  initCharts();
  connect(state.seq);
  await refreshPanels();
  await loadStaff().catch((e) => say(`Staff accounts: ${e.message}`, true));
  setInterval(() => renderAlerts(), 5000);
}

$('loginForm').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.token = $('token').value.trim();
  $('token').value = '';
  setCookie(state.token);
  start().then(() => {
    if ($('app').hidden) return setCookie('');
    localStorage.setItem('sg_token', state.token);
    $('main').focus();
  });
});

// a person (store IT) logs in with their login and PIN: the answer sets the HttpOnly session cookie, which every
// request and the live stream then carry; no token is kept in the page
$('personForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = { login: $('personLogin').value.trim(), secret: $('personPin').value };
  $('personPin').value = '';
  try {
    await api('POST', '/api/v1/staff/login', body);
  } catch (e) {
    $('loginError').textContent = e instanceof ApiError && e.status === 401 ? 'Login or PIN not right.' : e.message;
    return;
  }
  state.token = '';
  localStorage.removeItem('sg_token');
  setCookie('');
  await start();
  if (!$('app').hidden) $('main').focus();
});

$('logout').addEventListener('click', () => {
  api('POST', '/api/v1/staff/logout', {}).catch(() => {});
  source?.close();
  state.token = '';
  localStorage.removeItem('sg_token');
  setCookie('');
  showApp(false);
});

// `storegate demo` prints a URL with #token= (a fragment never reaches a server or a proxy log): take it, then drop
// it from the address bar and history
const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromUrl) {
  state.token = fromUrl;
  localStorage.setItem('sg_token', fromUrl);
  history.replaceState(null, '', location.pathname + location.search);
}

initDevices();
initAlerts();
initPanels();
initStaff();
if (state.token) setCookie(state.token);
// without a token a person's session cookie (HttpOnly: invisible here) may still be valid: try
start();
